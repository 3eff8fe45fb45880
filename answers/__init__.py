r"""The answer language: what a reader may type in an answer box or a derivation box, and the verdict on it.

One language, one verdict, in Python and in the page. ``grammar.lark`` is the grammar: this package parses
with it (lark, LALR), and the book's build compiles the same parser to JavaScript (lark-js) for the boxes,
with ``language.json`` (the functions, limits, tolerances, slips and every sentence of feedback), which
``book/_ext/static/answer-box.js`` reads. The modules, in the order an answer goes through them:

* :mod:`answers.syntax`: the text parsed, and given named shapes by a lark ``Transformer``;
* :mod:`answers.reader`: those shapes read against a box's names and limits into an expression tree
  (:mod:`answers.nodes`);
* :mod:`answers.evaluate`: the tree's value at a point, or why it has none;
* :mod:`answers.judging` and :mod:`answers.derivation`: the verdicts of an answer box and a derivation box;
* :mod:`answers.spec`: a box's names and seeded check points, with the expected values there;
* :mod:`answers.formatting` and :mod:`answers.names`: numbers and terms as feedback shows them, and names
  in every spelling.

The verdict compares the answer with the expected expression at seeded random points drawn from each
symbol's domain. It is ``correct`` (equal at every point, to ``RTOL``), ``incorrect`` (the first point
where it differs, both values, and a named slip where one fits: sign, a factor of 2 or another constant,
a constant offset, a transposed matrix, and, term by term, a missing term, a term with the wrong sign or
counted twice) or ``invalid`` (text outside the language or the limits, or a formula that cannot be
evaluated, with a plain message). Reader text is never given to ``eval``, ``exec``, ``sympify``,
``parse_expr`` or ``lambdify``.

The language, in short: numbers (``3``, ``0.25``, ``1e-3``); the expected expression's symbols by
name (``w_1``, ``w_{1}``, ``w1``; ``alpha``, ``\alpha``, ``α``; a run of letters as a product of
names, ``xy``), ``e`` and ``pi``; ``+ - * / ^ **`` and their Unicode and LaTeX forms (``−``, ``·``,
``×``, ``\cdot``, ``\times``); implicit multiplication (``2x``, ``x y``, ``x (1 - x)``), read left
to right with ``*`` and ``/`` (``1/2x`` is ``x/2``); ``( )``, ``{ }``, ``\left( \right)``; the
functions of ``FUNCTIONS`` as ``f(x)``, ``\f{x}`` or LaTeX style ``\log x``, ``\sin^2 x``;
``sigma``/``σ`` is the logistic function; ``\frac{a}{b}``, ``\frac12``, ``\sqrt[3]{x}``; and, as
the whole answer, a matrix ``[[a, b], [c, d]]``, a column ``[a, b]`` or ``\begin{bmatrix}``.
"""

from answers.derivation import DerivationVerdict, LineVerdict, check_derivation, derivation_lines, judge_derivation
from answers.judging import AnswerVerdict, check_answer, judge
from answers.language import LANGUAGE, AnswerSyntaxError
from answers.reader import parse_answer
from answers.spec import answer_spec, derivation_spec

__all__ = [
    "LANGUAGE", "AnswerSyntaxError", "AnswerVerdict", "DerivationVerdict", "LineVerdict", "answer_spec", "check_answer",
    "check_derivation", "derivation_lines", "derivation_spec", "judge", "judge_derivation", "parse_answer",
]  # fmt: skip
