"""The symbolic side of the book: SymPy definitions and step-checked derivations."""

from derivations.aligned import AlignedEquations
from derivations.answer_box import AnswerBox, DerivationBox
from derivations.display import Equation, glue
from derivations.indexed import instantiate
from derivations.printing import latex, use_in_ipython
from derivations.steps import Derivation, StepError, verify_equal
from derivations.symbols import matrix_symbols, vector_symbols

__all__ = [
    "AlignedEquations",
    "AnswerBox",
    "Derivation",
    "DerivationBox",
    "Equation",
    "StepError",
    "glue",
    "instantiate",
    "latex",
    "matrix_symbols",
    "vector_symbols",
    "verify_equal",
]

# In a chapter, every SymPy object shown or glued is printed in the book's notation.
use_in_ipython()
