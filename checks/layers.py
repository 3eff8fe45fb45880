"""Independent torch implementations for the layer chapters: PyTorch's own modules under a random upstream gradient.

A layer's input gradient is checked through the scalar ``L = Σ G ⊙ layer(inputs)`` with a fixed random
``G``: its gradient is the layer's backward pass applied to ``G``. (``G`` all ones, a plain sum, would make
the input gradient of batch norm, layer norm and softmax vanish identically and hide wrong formulas.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn


def weighted_by(upstream: torch.Tensor, layer: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """``L(*inputs) = Σ upstream ⊙ layer(*inputs)``: its gradient is the layer's backward pass of ``upstream``.

    >>> G = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    >>> L = weighted_by(G, lambda t: 3 * t)
    >>> t = torch.zeros(1, 2, dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.grad(L(t), t)[0]
    tensor([[ 3., -6.]], dtype=torch.float64)
    """

    def loss(*inputs: torch.Tensor) -> torch.Tensor:
        return (upstream * layer(*inputs)).sum()

    return loss


def with_parameters(module: nn.Module, names: Sequence[str]) -> Callable[..., torch.Tensor]:
    """``f(x, *parameters)``: the module's forward pass on ``x``, its named parameters replaced by the tensors given.

    Parameters may be given in any shape with the right number of entries (a 1 × n row for an n-vector).

    >>> f = with_parameters(nn.LayerNorm(2, dtype=torch.float64), ["weight", "bias"])
    >>> x = torch.tensor([[1.0, 3.0]], dtype=torch.float64)
    >>> f(x, torch.tensor([[2.0, 2.0]], dtype=torch.float64), torch.zeros(1, 2, dtype=torch.float64)).round(decimals=4)
    tensor([[-2.,  2.]], dtype=torch.float64)
    """
    shapes = {name: tuple(getattr(module, name).shape) for name in names}

    def forward(x: torch.Tensor, *parameters: torch.Tensor) -> torch.Tensor:
        values = {name: p.reshape(shapes[name]) for name, p in zip(names, parameters, strict=True)}
        return torch.func.functional_call(module, values, (x,))

    return forward
