"""Small neural networks in SymPy: the sigmoid and its derivative as functions, ReLU with the book's
kink convention, and a fully connected ReLU network (its independent torch twin is
:mod:`experiments.relu_twin`).
:func:`abbreviate` and :func:`instantiate_matrices` (display compact, verify explicit) come from
:mod:`derivations.compact`.

The sigmoid is a SymPy ``Function`` rather than ``1/(1 + exp(-z))`` so that derivatives print the
way the book writes them (``σ'(z)``) instead of a wall of exponentials; it still evaluates exactly,
at any precision and through ``lambdify``.

>>> z = sp.Symbol("z", real=True)
>>> sp.diff(sigmoid(z), z)
sigmoid_prime(z)
>>> sigmoid_prime(z).rewrite(sigmoid)
(1 - sigmoid(z))*sigmoid(z)
>>> relu_diff(sp.Max(0, z), z)
Heaviside(z, 0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from checks.compat import digits_of_precision, print_argument
from derivations.compact import abbreviate, expand_meaning
from derivations.symbols import matrix_symbols

__all__ = [
    "ReLUNet",
    "abbreviate",
    "apply",
    "hard_threshold",
    "instantiate_matrices",
    "relu",
    "relu_diff",
    "relu_gradient",
    "relu_prime",
    "sigmoid",
    "sigmoid_prime",
    "with_relu_convention",
]

# ---------------------------------------------------------------------------- activations


class _Activation(sp.Function):
    """An entrywise activation: one argument, a closed form for exact evaluation, a short printed name.

    Subclasses set ``latex_name``, ``positive_on_reals`` and ``closed_form``; ``_imp_`` (a NumPy
    implementation) is what ``lambdify(..., modules="numpy")`` calls.
    """

    nargs = 1
    latex_name = ""
    positive_on_reals = False

    @classmethod
    def closed_form(cls, z: sp.Expr) -> sp.Expr:
        raise NotImplementedError

    def _eval_evalf(self, prec):
        if not self.args[0].is_number:
            return None
        return self.closed_form(self.args[0]).evalf(digits_of_precision(prec))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.positive_on_reals and self.args[0].is_real else None

    def _latex(self, printer, exp=None):
        base = rf"{self.latex_name}\left({print_argument(printer, self.args[0])}\right)"
        return base if exp is None else rf"{base}^{{{exp}}}"


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_sigmoid_prime(x):
    s = _np_sigmoid(x)
    return s * (1.0 - s)


class sigmoid(_Activation):
    r"""The logistic sigmoid :math:`\sigma(z) = 1/(1 + e^{-z})`, printed :math:`\sigma(z)`.

    >>> sigmoid(0), sigmoid(sp.Symbol("z")).rewrite(sp.exp)
    (1/2, 1/(1 + exp(-z)))
    """

    latex_name = r"\sigma"
    positive_on_reals = True
    _imp_ = staticmethod(_np_sigmoid)

    @classmethod
    def closed_form(cls, z):
        return 1 / (1 + sp.exp(-z))

    @classmethod
    def eval(cls, z):
        return sp.Rational(1, 2) if z == 0 else None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigmoid_prime(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return self.closed_form(z)


class sigmoid_prime(_Activation):
    r"""The sigmoid's derivative :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`, printed :math:`\sigma'(z)`.

    Its value is *defined* by that identity here; the book derives the identity and checks it.
    """

    latex_name = r"\sigma'"
    positive_on_reals = True
    _imp_ = staticmethod(_np_sigmoid_prime)

    @classmethod
    def closed_form(cls, z):
        return sp.exp(-z) / (1 + sp.exp(-z)) ** 2

    @classmethod
    def eval(cls, z):
        return sp.Rational(1, 4) if z == 0 else None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z = self.args[0]
        return sigmoid_prime(z) * (1 - 2 * sigmoid(z))

    def _eval_rewrite_as_sigmoid(self, z, **kwargs):
        return sigmoid(z) * (1 - sigmoid(z))

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return self.closed_form(z)


def apply(fn: Callable[[sp.Expr], sp.Expr], m: sp.MatrixBase) -> sp.Matrix:
    """``fn`` applied entrywise to a Matrix (``σ(z)`` for a vector ``z``)."""
    return m.applyfunc(fn)


#: A matrix expression in ``MatrixSymbol``s, as the book displays it, made explicit with concrete Matrices put
#: in: the compact mechanism's :func:`~derivations.compact.expand_meaning`, under the name the chapters use.
instantiate_matrices = expand_meaning


# ---------------------------------------------------------------------------- ReLU


def _np_relu(x):
    return np.maximum(x, 0.0)


class relu(_Activation):
    r"""``max(0, z)``, printed :math:`\operatorname{relu}(z)`, whose derivative follows the book's convention.

    A ``Function`` rather than ``sp.Max(0, z)``: SymPy rebuilds a ``Max`` by comparing its arguments every
    time an expression is substituted into, which makes sums of them very slow; and ``sp.diff(sp.Max(0, z), z)``
    is ``Heaviside(z)``, which is 1/2 at 0, while the derivative of this one is ``Heaviside(z, 0)``.

    >>> relu(sp.Integer(-2)), relu(sp.Rational(3, 2)), sp.diff(relu(sp.Symbol("z")), sp.Symbol("z"))
    (0, 3/2, Heaviside(z, 0))
    """

    latex_name = r"\operatorname{relu}"
    _imp_ = staticmethod(_np_relu)

    @classmethod
    def closed_form(cls, z):
        return sp.Max(0, z)

    @classmethod
    def eval(cls, z):
        if z.is_extended_nonpositive:
            return sp.S.Zero
        if z.is_extended_positive:
            return z
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return relu_prime(self.args[0])

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return self.closed_form(z)

    def _eval_is_nonnegative(self):
        return True if self.args[0].is_real else None


def relu_prime(z: sp.Expr) -> sp.Expr:
    """The book's ReLU derivative: 1 for z > 0 and 0 for z ≤ 0 (PyTorch's ``torch.relu`` convention).

    >>> relu_prime(sp.Integer(0)), relu_prime(sp.Integer(3))
    (0, 1)
    """
    return sp.Heaviside(z, 0)


def with_relu_convention(expr: sp.Expr | sp.MatrixBase) -> sp.Expr | sp.MatrixBase:
    """Replace SymPy's ``Heaviside(z)`` (which is 1/2 at 0) by the book's ``Heaviside(z, 0)``."""
    return expr.replace(
        lambda e: isinstance(e, sp.Heaviside) and e.args[1] == sp.S.Half, lambda e: sp.Heaviside(e.args[0], 0)
    )


def relu_diff(expr: sp.Expr, *variables: sp.Symbol) -> sp.Expr:
    """``sp.diff`` with the book's convention d/dz max(0, z) = 0 at z = 0 (also for ``sp.Max`` in ``expr``)."""
    return with_relu_convention(sp.diff(expr, *variables))


def relu_gradient(expr: sp.Expr, wrt: sp.MatrixBase) -> sp.Matrix:
    """Gradient of a scalar with respect to a Matrix of symbols, in the Matrix's shape (book convention at kinks)."""
    return wrt.applyfunc(lambda s: relu_diff(expr, s))


def hard_threshold(z):
    """The step unit σ(z) = 1 if z ≥ 0 else 0, on NumPy arrays (exact on integers)."""
    return (np.asarray(z) >= 0).astype(np.int64)


# ---------------------------------------------------------------------------- a ReLU network, twice


@dataclass
class ReLUNet:
    """A fully connected network: ReLU hidden layers, a linear output layer.

    The SymPy form uses weight symbols ``W1_{i,j}``, ``b1_{i,1}``, … (layer ``l`` has weight
    ``W{l}`` of shape out × in and bias ``b{l}`` of shape out × 1): the shapes of ``nn.Linear``, so
    that its torch twin (:mod:`experiments.relu_twin`) takes the same parameter values.

    >>> net = ReLUNet.build([1, 2, 1])
    >>> [p.shape for p in net.parameters]
    [(2, 1), (2, 1), (1, 2), (1, 1)]
    """

    sizes: tuple[int, ...]
    weights: list[sp.Matrix]
    biases: list[sp.Matrix]

    @classmethod
    def build(cls, sizes: Sequence[int], names: Sequence[tuple[str, str]] | None = None) -> ReLUNet:
        """A network with layer sizes ``sizes`` (input first); ``names`` gives (weight, bias) stems per layer."""
        if len(sizes) < 2:
            raise ValueError("a network needs at least an input and an output size")
        layers = len(sizes) - 1
        names = list(names) if names is not None else [(f"W{i + 1}", f"b{i + 1}") for i in range(layers)]
        if len(names) != layers:
            raise ValueError(f"names gives {len(names)} (weight, bias) pairs for {layers} layers")
        weights = [matrix_symbols(w, sizes[i + 1], sizes[i]) for i, (w, _) in enumerate(names)]
        biases = [matrix_symbols(b, sizes[i + 1], 1) for i, (_, b) in enumerate(names)]
        return cls(tuple(sizes), weights, biases)

    @property
    def parameters(self) -> list[sp.Matrix]:
        """``[W1, b1, W2, b2, …]``, the order of the torch twin's ``parameters()``."""
        return [m for pair in zip(self.weights, self.biases) for m in pair]

    def pre_activations(self, x: sp.MatrixBase) -> list[sp.Matrix]:
        """The pre-activation vector of every layer, the output layer last."""
        out, h = [], sp.Matrix(x)
        for k, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = w * h + b
            out.append(z)
            h = z.applyfunc(relu) if k < len(self.weights) - 1 else z
        return out

    def output(self, x: sp.MatrixBase) -> sp.Matrix:
        """The network's output for the input column ``x`` (SymPy)."""
        return self.pre_activations(x)[-1]

    def assignment(self, values: Sequence[object]) -> dict[sp.Symbol, sp.Expr]:
        """``{symbol: value}`` from one array per parameter, in :attr:`parameters` order (ints stay exact)."""
        if len(values) != len(self.parameters):
            raise ValueError(f"expected {len(self.parameters)} arrays (W1, b1, W2, b2, …), got {len(values)}")
        out: dict[sp.Symbol, sp.Expr] = {}
        for p, v in zip(self.parameters, values):
            flat = list(sp.Matrix(v)) if not isinstance(v, (int, float, sp.Basic)) else [v]
            if len(flat) != len(p):
                raise ValueError(f"{len(flat)} values were given for a parameter of shape {p.shape}")
            out.update({s: sp.sympify(e) for s, e in zip(p, flat)})
        return out
