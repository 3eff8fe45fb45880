"""Automatic differentiation small enough to read in one sitting: reverse mode on NumPy arrays, and forward mode.

:class:`Tensor` is reverse mode, on micrograd's design: each operation computes its output and, beside it,
a ``_backward`` closure, the operation's vector-Jacobian product, which *adds* ``Jᵀ ȳ`` into the gradients
of its inputs without ever forming ``J``. :meth:`Tensor.backward` runs the closures in reverse topological
order. :class:`Dual` is forward mode: every value carries a tangent, and one pass gives one
Jacobian-vector product; :func:`forward_gradient` needs one pass per input entry. Both classes have the
same operations, so one function of its inputs runs in either mode.

>>> w, x = Tensor(3.0), Tensor(2.0)
>>> f = (w * x).tanh() + w * w
>>> f.backward()
>>> round(float(w.grad), 6), round(float(x.grad), 6)
(6.000049, 7.4e-05)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Self

import numpy as np

from checks import assert_close

if TYPE_CHECKING:
    import torch

Array = np.ndarray


def _sum_to(grad: Array, shape: tuple[int, ...]) -> Array:
    """Undo broadcasting: sum ``grad`` over the axes along which an input of ``shape`` was stretched."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _sigmoid(a: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # σ(a) without overflow of e^{-a}


def _softmax(a: Array, axis: int) -> Array:
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


class _Arithmetic:
    """The operators both modes derive from their own ``+`` and ``×``."""

    if TYPE_CHECKING:  # each mode defines these two; the rest follow from them

        def __add__(self, other: Self | float) -> Self: ...

        def __mul__(self, other: Self | float) -> Self: ...

    def __neg__(self) -> Self:
        return self * -1.0

    def __sub__(self, other: Self | float) -> Self:
        return self + (-other)

    def __truediv__(self, other: float) -> Self:
        return self * (1.0 / other)

    def __radd__(self, other: float) -> Self:
        return self + other

    def __rmul__(self, other: float) -> Self:
        return self * other


class Tensor(_Arithmetic):
    """A float64 array in a graph: ``data``, its parents, and after :meth:`backward` the gradient ``grad``."""

    def __init__(self, data: object, parents: tuple[Tensor, ...] = (), op: str = "") -> None:
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self._parents = parents
        self._backward: Callable[[], None] = lambda: None
        self.op = op

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Tensor(shape={self.shape}, op={self.op!r})"

    # ------------------------------------------------------------------ operations and their VJPs
    def __add__(self, other: Tensor | float) -> Tensor:
        other = other if isinstance(other, Tensor) else Tensor(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward() -> None:  # J = I for each input: the gradient passes through (summed if broadcast)
            self.grad += _sum_to(out.grad, self.shape)
            other.grad += _sum_to(out.grad, other.shape)

        out._backward = _backward
        return out

    def __mul__(self, other: Tensor | float) -> Tensor:
        other = other if isinstance(other, Tensor) else Tensor(other)
        out = Tensor(self.data * other.data, (self, other), "×")

        def _backward() -> None:  # each input gets ȳ times the other input
            self.grad += _sum_to(out.grad * other.data, self.shape)
            other.grad += _sum_to(out.grad * self.data, other.shape)

        out._backward = _backward
        return out

    def __matmul__(self, other: Tensor) -> Tensor:
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward() -> None:  # Y = XW: X̄ = Ȳ Wᵀ, W̄ = Xᵀ Ȳ
            self.grad += out.grad @ other.data.T
            other.grad += self.data.T @ out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Tensor:
        out = Tensor(self.data**k, (self,), f"^{k:g}")

        def _backward() -> None:
            self.grad += out.grad * k * self.data ** (k - 1)

        out._backward = _backward
        return out

    def _elementwise(self, value: Array, slope: Callable[[], Array], op: str) -> Tensor:
        """y = g(x) entry by entry: J = diag(g′(x)), so x̄ = ȳ ⊙ g′(x)."""
        out = Tensor(value, (self,), op)

        def _backward() -> None:
            self.grad += out.grad * slope()

        out._backward = _backward
        return out

    def sigmoid(self) -> Tensor:
        s = _sigmoid(self.data)
        return self._elementwise(s, lambda: s * (1 - s), "σ")

    def tanh(self) -> Tensor:
        t = np.tanh(self.data)
        return self._elementwise(t, lambda: 1 - t**2, "tanh")

    def relu(self) -> Tensor:
        return self._elementwise(np.maximum(self.data, 0), lambda: (self.data > 0).astype(float), "relu")

    def exp(self) -> Tensor:
        e = np.exp(self.data)
        return self._elementwise(e, lambda: e, "exp")

    def log(self) -> Tensor:
        return self._elementwise(np.log(self.data), lambda: 1 / self.data, "log")

    def sum(self, axis: int | None = None) -> Tensor:
        out = Tensor(self.data.sum(axis=axis, keepdims=axis is not None), (self,), "Σ")

        def _backward() -> None:  # every entry moves the sum at rate 1: copy ȳ back
            self.grad += np.broadcast_to(out.grad, self.shape)

        out._backward = _backward
        return out

    def logsumexp(self, axis: int = -1) -> Tensor:
        top = self.data.max(axis=axis, keepdims=True)
        out = Tensor(top + np.log(np.exp(self.data - top).sum(axis=axis, keepdims=True)), (self,), "lse")

        def _backward() -> None:  # ∇ log-sum-exp = softmax, so x̄ = ȳ · softmax(x) along the axis
            self.grad += out.grad * _softmax(self.data, axis)

        out._backward = _backward
        return out

    # ------------------------------------------------------------------ the reverse pass
    def backward(self) -> None:
        """Fill ``grad`` of every node of the graph with ∂self/∂node."""
        if self.data.size != 1:
            raise ValueError(f"backward() needs a scalar; this has shape {self.shape}")
        order = topological_order(self)
        for node in order:
            node.grad = np.zeros_like(node.data)  # nothing left from an earlier pass
        self.grad = np.ones_like(self.data)
        for node in reversed(order):  # a node's consumers all run before it
            node._backward()


def topological_order(root: Tensor) -> list[Tensor]:
    """The nodes ``root`` depends on, each after all of its parents (depth-first)."""
    order: list[Tensor] = []
    seen: set[int] = set()

    def visit(node: Tensor) -> None:
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node._parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


class Dual(_Arithmetic):
    """Forward mode: a value and its tangent ``dot`` (the derivative along one chosen input direction).

    Every operation maps (x, ẋ) to (y, J ẋ): a Jacobian-vector product, computed alongside the value.
    """

    def __init__(self, value: object, dot: object = 0.0) -> None:
        self.value = np.asarray(value, dtype=np.float64)
        self.dot = np.broadcast_to(np.asarray(dot, dtype=np.float64), self.value.shape)

    def __add__(self, other: Dual | float) -> Dual:
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.value + other.value, self.dot + other.dot)

    def __mul__(self, other: Dual | float) -> Dual:
        other = other if isinstance(other, Dual) else Dual(other)
        # (a + ȧε)(b + ḃε) = ab + (ȧb + aḃ)ε, since ε² = 0: the product rule
        return Dual(self.value * other.value, self.dot * other.value + self.value * other.dot)

    def __matmul__(self, other: Dual) -> Dual:
        return Dual(self.value @ other.value, self.dot @ other.value + self.value @ other.dot)

    def __pow__(self, k: float) -> Dual:
        return Dual(self.value**k, k * self.value ** (k - 1) * self.dot)

    def sigmoid(self) -> Dual:
        s = _sigmoid(self.value)
        return Dual(s, s * (1 - s) * self.dot)

    def tanh(self) -> Dual:
        t = np.tanh(self.value)
        return Dual(t, (1 - t**2) * self.dot)

    def relu(self) -> Dual:
        return Dual(np.maximum(self.value, 0), (self.value > 0) * self.dot)

    def exp(self) -> Dual:
        e = np.exp(self.value)
        return Dual(e, e * self.dot)

    def log(self) -> Dual:
        return Dual(np.log(self.value), self.dot / self.value)

    def sum(self, axis: int | None = None) -> Dual:
        return Dual(
            self.value.sum(axis=axis, keepdims=axis is not None), self.dot.sum(axis=axis, keepdims=axis is not None)
        )

    def logsumexp(self, axis: int = -1) -> Dual:
        top = self.value.max(axis=axis, keepdims=True)
        value = top + np.log(np.exp(self.value - top).sum(axis=axis, keepdims=True))
        return Dual(value, (_softmax(self.value, axis) * self.dot).sum(axis=axis, keepdims=True))


def forward_gradient(f: Callable[..., Dual], inputs: Sequence[Array]) -> tuple[list[Array], int]:
    """∇f for a scalar ``f(*inputs)`` by forward mode, and the number of passes it took.

    A pass seeds one entry of one input with tangent 1, all others with 0, and reads
    ∂f/∂(that entry) from the output's tangent: n passes for n input entries.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in inputs]
    grads = [np.zeros_like(a) for a in arrays]
    passes = 0
    for which, array in enumerate(arrays):
        for index in np.ndindex(array.shape):
            dots = [np.zeros_like(a) for a in arrays]
            dots[which][index] = 1.0
            out = f(*(Dual(a, dot) for a, dot in zip(arrays, dots)))
            if out.value.size != 1:
                raise ValueError(f"f must be scalar; its output has shape {out.value.shape}")
            grads[which][index] = out.dot.item()
            passes += 1
    return grads, passes


def check_against_autograd(
    engine_f: Callable[..., Tensor],
    torch_f: Callable[..., torch.Tensor],
    inputs: Mapping[str, object],
    *,
    name: str = "f",
    rtol: float = 1e-12,
    atol: float = 0.0,
) -> float:
    """Assert that :class:`Tensor`'s gradients of ``engine_f`` equal torch.autograd's of ``torch_f`` in float64.

    ``inputs`` maps a name to a value; both functions take the inputs in that order (``engine_f`` as
    Tensors, ``torch_f`` as float64 tensors), and ``torch_f`` must be an independent implementation.
    The value and each gradient are compared by :func:`checks.assert_close`, named ``∂f/∂<input>``.
    Returns the largest relative error.
    """
    import torch  # only the check needs torch; the engine itself is NumPy

    leaves = [Tensor(v) for v in inputs.values()]
    out = engine_f(*leaves)
    out.backward()
    tensors = [torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in inputs.values()]
    reference = torch_f(*tensors)
    grads = torch.autograd.grad(reference, tensors)
    worst = assert_close(
        out.data.reshape(()), reference.detach().reshape(()), name=f"{name} (engine vs torch)", rtol=rtol, atol=atol
    )
    for key, leaf, grad in zip(inputs, leaves, grads, strict=True):
        worst = max(
            worst, assert_close(leaf.grad, grad, name=f"∂{name}/∂{key} (engine vs autograd)", rtol=rtol, atol=atol)
        )
    return worst
