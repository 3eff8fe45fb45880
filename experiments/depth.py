"""Deep fully connected stacks at initialisation, and what happens to signals and gradients layer by layer.

A stack is ``depth`` bias-free ``nn.Linear(width, width)`` layers (or, given a list of ``depth + 1`` widths,
``nn.Linear(widths[l], widths[l + 1])``), each followed by an activation, its weights set by an ``nn.init``
function; with ``residual=True`` each layer adds its input back, ``h ← h + φ(W h)``. :func:`layer_statistics`
runs a batch through it and backpropagates a random upstream gradient, recording per layer the mean square
of the pre-activations and the norms of the gradients; :func:`input_gradients` returns those gradients.

>>> from torch import nn
>>> stack = deep_stack(8, 3, "tanh", nn.init.xavier_normal_, seed=0)
>>> stats = layer_statistics(stack, torch.randn(4, 8, dtype=torch.float64), seed=1)
>>> stats.pre_activation_square.shape, stats.input_grad_norm.shape, stats.weight_grad_norm.shape
((3,), (4,), (3,))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import torch
from torch import nn

#: The activations a stack can use, by name.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "linear": lambda z: z,
}


class DeepStack(nn.Module):
    """``depth`` layers ``h ← φ(W h)`` (or ``h ← h + φ(W h)`` when ``residual``), weights out × in, no biases.

    ``width`` is one width for every layer, or the ``depth + 1`` widths from the input to the output, so that
    fan_in and fan_out can differ (a residual stack needs one width: it adds ``h`` to ``φ(W h)``).
    """

    def __init__(
        self, width: int | Sequence[int], depth: int, activation: str, *, residual: bool = False, dtype=torch.float64
    ):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        widths = [width] * (depth + 1) if isinstance(width, int) else list(width)
        if len(widths) != depth + 1:
            raise ValueError(f"{depth} layers need {depth + 1} widths, got {len(widths)}")
        if residual and len(set(widths)) > 1:
            raise ValueError("a residual stack adds h to φ(W h): every layer needs the same width")
        self.layers = nn.ModuleList(nn.Linear(n_in, n_out, bias=False, dtype=dtype) for n_in, n_out in pairwise(widths))
        self.activation = activation
        self.residual = residual

    def forward(self, h: torch.Tensor, record: list[tuple[torch.Tensor, torch.Tensor]] | None = None) -> torch.Tensor:
        """The output for a batch ``h`` (batch × width); ``record`` collects each layer's (input, pre-activation)."""
        phi = ACTIVATIONS[self.activation]
        for layer in self.layers:
            z = layer(h)
            if record is not None:
                record.append((h, z))
            h = h + phi(z) if self.residual else phi(z)
        return h


def deep_stack(
    width: int | Sequence[int],
    depth: int,
    activation: str,
    init: Callable[[torch.Tensor], object],
    *,
    seed: int,
    residual: bool = False,
    dtype: torch.dtype = torch.float64,
) -> DeepStack:
    """A :class:`DeepStack` whose weights are set, layer by layer, by ``init`` (e.g. ``nn.init.kaiming_normal_``)."""
    stack = DeepStack(width, depth, activation, residual=residual, dtype=dtype)
    torch.manual_seed(seed)  # nn.init draws from torch's global generator
    with torch.no_grad():
        for layer in stack.layers:
            assert isinstance(layer, nn.Linear)  # what DeepStack builds; narrows layer.weight to a tensor
            init(layer.weight)
    return stack


@dataclass(frozen=True)
class LayerStatistics:
    """Per-layer measurements of one backward pass (layers counted from the input, 1 … depth).

    ``pre_activation_square[l - 1]``: mean of z_l² over the batch and the units;
    ``input_grad_norm[l]``: ‖∂L/∂h_l‖ (Frobenius, over the batch), with h_0 the input and h_depth the output;
    ``weight_grad_norm[l - 1]``: ‖∂L/∂W_l‖ (Frobenius).
    """

    pre_activation_square: np.ndarray
    input_grad_norm: np.ndarray
    weight_grad_norm: np.ndarray


def _backward(stack: DeepStack, x: torch.Tensor, seed: int) -> tuple[list, list, list]:
    """Each layer's (input, pre-activation), the gradients ∂L/∂h_0 … ∂L/∂h_depth and ∂L/∂W_1 … ∂L/∂W_depth."""
    record: list[tuple[torch.Tensor, torch.Tensor]] = []
    x = x.detach().clone().requires_grad_(True)
    out = stack(x, record)
    generator = torch.Generator().manual_seed(seed)
    upstream = torch.randn(out.shape, dtype=out.dtype, generator=generator)
    inputs = [h for h, _ in record] + [out]
    weights = [layer.weight for layer in stack.layers]
    grads = torch.autograd.grad((upstream * out).sum(), inputs + weights, allow_unused=True)
    h_grads, w_grads = grads[: len(inputs)], grads[len(inputs) :]
    # The output's gradient is the upstream one.
    return record, [upstream if g is None else g for g in h_grads], list(w_grads)


def input_gradients(stack: DeepStack, x: torch.Tensor, *, seed: int) -> list[torch.Tensor]:
    """∂L/∂h_0 … ∂L/∂h_depth (each batch × width) for L = ⟨G, output⟩, G as in :func:`layer_statistics`."""
    return _backward(stack, x, seed)[1]


def layer_statistics(stack: DeepStack, x: torch.Tensor, *, seed: int) -> LayerStatistics:
    """Run ``x`` (batch × width) through ``stack`` and backpropagate L = ⟨G, output⟩ for a seeded random G.

    A random upstream gradient, not a plain sum, so that nothing cancels by construction.
    """
    record, h_grads, w_grads = _backward(stack, x, seed)
    return LayerStatistics(
        pre_activation_square=np.array([z.detach().pow(2).mean().item() for _, z in record]),
        input_grad_norm=np.array([g.norm().item() for g in h_grads]),
        weight_grad_norm=np.array([g.norm().item() for g in w_grads]),
    )
