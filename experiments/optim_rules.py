"""Optimizer trajectories two ways: torch.optim's, and an update rule written out by hand (or lambdified from SymPy).

Both follow the same loss from the same start, so a derived update rule can be compared with
``torch.optim`` step by step.

>>> import torch
>>> loss = lambda p: (p**2).sum()
>>> theirs = torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1), loss, [1.0, -2.0], steps=3)
>>> ours = rule_trajectory(lambda theta, g, state, t, lr: (theta - lr * g, state), loss, [1.0, -2.0], steps=3, lr=0.1)
>>> bool(abs(theirs - ours).max() < 1e-15), theirs.shape
(True, (4, 2))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

Loss = Callable[[torch.Tensor], torch.Tensor]
#: ``rule(theta, g, state, t, lr) -> (theta, state)``: one step t = 1, 2, … at learning rate ``lr``.
Rule = Callable[[np.ndarray, np.ndarray, dict, int, float], tuple[np.ndarray, dict]]


def gradient(loss: Loss, theta: np.ndarray) -> np.ndarray:
    """∇loss at ``theta`` by torch.autograd, in float64."""
    p = torch.tensor(np.asarray(theta, dtype=float), dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(loss(p), p)
    return g.numpy()


def torch_trajectory(
    make_optimizer: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    loss: Loss,
    theta0: Sequence[float],
    *,
    steps: int,
    schedule: Callable[[int], float] | None = None,
) -> np.ndarray:
    """The iterates θ_0, …, θ_steps of ``torch.optim`` on ``loss``: a (steps + 1) × d array.

    ``schedule(k)`` multiplies the optimizer's learning rate at step k + 1 (``torch.optim.lr_scheduler.LambdaLR``).
    """
    p = torch.tensor(np.asarray(theta0, dtype=float), dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([p])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule) if schedule else None
    iterates = [p.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss(p).backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        iterates.append(p.detach().numpy().copy())
    return np.array(iterates)


def rule_trajectory(
    rule: Rule,
    loss: Loss,
    theta0: Sequence[float],
    *,
    steps: int,
    lr: float,
    schedule: Callable[[int], float] | None = None,
) -> np.ndarray:
    """The iterates of ``rule`` on ``loss`` (gradients by autograd), at the learning rate ``lr × schedule(t − 1)``."""
    theta = np.asarray(theta0, dtype=float)
    state: dict = {}
    iterates = [theta.copy()]
    for t in range(1, steps + 1):
        rate = lr * (schedule(t - 1) if schedule else 1.0)
        theta, state = rule(theta, gradient(loss, theta), state, t, rate)
        iterates.append(np.array(theta, dtype=float))
    return np.array(iterates)
