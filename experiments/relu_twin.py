"""The torch twin of :class:`derivations.networks.ReLUNet`: the same fully connected network (ReLU hidden
layers, a linear output layer) as an ``nn.Sequential`` of ``nn.Linear`` and ``nn.ReLU``. It is written
independently of the SymPy form, so that comparing their gradients means something; its parameters come
in the SymPy form's order and shapes (``W1, b1, W2, b2, …``, weights out × in).

>>> [tuple(p.shape) for p in relu_module([1, 2, 1]).parameters()]
[(2, 1), (2,), (1, 2), (1,)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn


def relu_module(sizes: Sequence[int]) -> nn.Sequential:
    """``nn.Linear``/``nn.ReLU`` layers in float64 with layer sizes ``sizes`` (input first), random weights."""
    layers: list[nn.Module] = []
    for k in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[k], sizes[k + 1], dtype=torch.float64))
        if k < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def relu_function(
    sizes: Sequence[int], x: torch.Tensor, loss: Callable[[torch.Tensor], torch.Tensor] | None = None
) -> Callable[..., torch.Tensor]:
    """A function of one tensor per parameter (shaped like the SymPy form's Matrices) for ``check_gradient``.

    It runs :func:`relu_module` on the batch ``x`` (shape ``batch × inputs``) through
    ``torch.func.functional_call``; ``loss`` maps the ``batch × outputs`` result to a scalar
    (default: the single output of a single example).
    """
    module = relu_module(sizes)
    names = [name for name, _ in module.named_parameters()]

    def fn(*tensors: torch.Tensor) -> torch.Tensor:
        if len(tensors) != len(names):
            raise ValueError(f"expected {len(names)} tensors (W1, b1, W2, b2, …), got {len(tensors)}")
        params = {name: t.reshape(-1) if name.endswith("bias") else t for name, t in zip(names, tensors)}
        out = torch.func.functional_call(module, params, (x,))
        return loss(out) if loss is not None else out.reshape(())

    return fn
