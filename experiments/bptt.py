"""An Elman network unrolled in time, and the references its backward pass is checked against.

The network is ``h_t = tanh(W h_{t-1} + U x_t + b)``, ``o_t = V h_t``, with the loss ``L = Σ_t ⟨g_t, o_t⟩``
for fixed upstream gradients ``g_t = ∂ℓ_t/∂o_t``: any loss summed over time has that gradient at the point
where it is taken, and a random ``g_t`` leaves no term of the backward pass able to cancel by accident.
:func:`loop_gradients` runs it as an explicit torch loop and asks autograd for ``∂L/∂h_t`` at every step
(``h_t.grad``, the total derivative through every later step); :func:`rnn_gradients` runs the same numbers
through ``torch.nn.RNN`` and returns its weights' gradients. :func:`backward_deltas` is the other side: the
recursion for ``∂L/∂h_t``, run backwards with a step function the caller supplies (in the book, the
displayed recursion, lambdified).

>>> p = random_elman(hidden=3, inputs=2, outputs=2, steps=4, seed=0)
>>> loop = loop_gradients(p)
>>> [tuple(d.shape) for d in loop.deltas], tuple(rnn_gradients(p)["W"].shape)
([(3,), (3,), (3,), (3,)], (3, 3))
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass
class Elman:
    """The weights (``W`` hidden × hidden, ``U`` hidden × inputs, ``b``, ``V`` outputs × hidden), the inputs
    ``xs`` (steps × inputs), the initial state ``h0`` and the upstream gradients ``gs`` (steps × outputs)."""

    W: torch.Tensor
    U: torch.Tensor
    b: torch.Tensor
    V: torch.Tensor
    xs: torch.Tensor
    h0: torch.Tensor
    gs: torch.Tensor


def random_elman(
    *, hidden: int, inputs: int, outputs: int, steps: int, seed: int, W: torch.Tensor | None = None
) -> Elman:
    """Seeded standard normal inputs and upstream gradients, weights of scale 1/√fan_in (``W`` may be given)."""
    gen = torch.Generator().manual_seed(seed)

    def normal(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return scale * torch.randn(*shape, dtype=torch.float64, generator=gen)

    return Elman(
        W=normal(hidden, hidden, scale=hidden**-0.5) if W is None else W.to(torch.float64),
        U=normal(hidden, inputs, scale=inputs**-0.5),
        b=normal(hidden, scale=0.1),
        V=normal(outputs, hidden, scale=hidden**-0.5),
        xs=normal(steps, inputs),
        h0=normal(hidden, scale=0.5),
        gs=normal(steps, outputs),
    )


@dataclass
class LoopGradients:
    """What autograd says through an explicit loop: the states ``h_0 … h_T``, ``∂L/∂h_t`` for t = 1 … T, and
    ``∂L/∂W``, ``∂L/∂U``, ``∂L/∂b``, ``∂L/∂V``."""

    states: list[torch.Tensor]
    deltas: list[torch.Tensor]
    W: torch.Tensor
    U: torch.Tensor
    b: torch.Tensor
    V: torch.Tensor


def loop_gradients(p: Elman, *, detach_at: Collection[int] = (), linear: bool = False) -> LoopGradients:
    """Run the network as a torch loop and backpropagate ``L = Σ_t ⟨g_t, V h_t⟩``.

    ``detach_at`` lists steps ``τ`` whose state enters step ``τ + 1`` through ``h_τ.detach()``: truncated
    backpropagation cut there. ``linear=True`` drops the tanh (``h_t = W h_{t-1} + U x_t + b``).
    """
    W, U, b, V = (t.detach().clone().requires_grad_() for t in (p.W, p.U, p.b, p.V))
    h = p.h0.detach().clone()
    states, loss = [h], torch.zeros((), dtype=torch.float64)
    for t in range(1, p.xs.shape[0] + 1):
        previous = h.detach() if t - 1 in detach_at else h
        a = W @ previous + U @ p.xs[t - 1] + b
        h = a if linear else torch.tanh(a)
        h.retain_grad()
        states.append(h)
        loss = loss + p.gs[t - 1] @ (V @ h)
    loss.backward()
    return LoopGradients(
        states=[s.detach() for s in states],
        deltas=[_gradient(s) for s in states[1:]],
        W=_gradient(W),
        U=_gradient(U),
        b=_gradient(b),
        V=_gradient(V),
    )


def _gradient(t: torch.Tensor) -> torch.Tensor:
    """``t.grad``, which ``backward()`` has filled for every tensor it is asked of here."""
    assert t.grad is not None, "backward() left no gradient"
    return t.grad.detach()


def rnn_gradients(p: Elman) -> dict[str, torch.Tensor]:
    """``∂L/∂W``, ``∂L/∂U``, ``∂L/∂b`` and the states ``h_1 … h_T`` from ``torch.nn.RNN`` (tanh, float64).

    The weights are copied in (``weight_hh_l0 = W``, ``weight_ih_l0 = U``, ``bias_ih_l0 = b``, and
    ``bias_hh_l0 = 0``: the module adds two biases where the book has one).
    """
    hidden, inputs = p.U.shape
    rnn = nn.RNN(inputs, hidden, nonlinearity="tanh", dtype=torch.float64)
    weights = dict(rnn.named_parameters())
    with torch.no_grad():
        weights["weight_hh_l0"].copy_(p.W)
        weights["weight_ih_l0"].copy_(p.U)
        weights["bias_ih_l0"].copy_(p.b)
        weights["bias_hh_l0"].zero_()
    states, _ = rnn(p.xs, p.h0.reshape(1, -1))
    (p.gs * (states @ p.V.T)).sum().backward()
    return {
        "W": _gradient(weights["weight_hh_l0"]),
        "U": _gradient(weights["weight_ih_l0"]),
        "b": _gradient(weights["bias_ih_l0"]),
        "states": states.detach(),
    }


#: One step of the recursion: ``(V, g_t, W, D_{t+1}, δ_{t+1}) ↦ δ_t``, with ``D_{t+1} = diag(1 − h_{t+1}²)``.
Step = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def backward_deltas(
    step: Step, p: Elman, states: list[torch.Tensor], *, cut_at: Collection[int] = ()
) -> list[np.ndarray]:
    """``δ_t = ∂L/∂h_t`` for t = 1 … T (as column vectors), by ``step`` from t = T down to 1.

    At ``t = T`` and at every ``t`` in ``cut_at`` nothing comes back from step ``t + 1``, so ``step`` is given
    ``δ_{t+1} = 0``: the first is the end of the sequence, the others are where truncated BPTT cuts.
    """
    V, W = p.V.numpy(), p.W.numpy()
    hidden = W.shape[0]
    T = p.xs.shape[0]
    deltas: list[np.ndarray] = [np.zeros((hidden, 1))] * T
    after, D_after = np.zeros((hidden, 1)), np.eye(hidden)
    for t in range(T, 0, -1):
        if t == T or t in cut_at:
            after = np.zeros((hidden, 1))
        deltas[t - 1] = np.asarray(step(V, p.gs[t - 1].numpy().reshape(-1, 1), W, D_after, after), dtype=float)
        after = deltas[t - 1]
        D_after = np.diag(1 - states[t].numpy() ** 2)
    return deltas
