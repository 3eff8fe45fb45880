"""Optimizer trajectories two ways: torch.optim's, and an update rule written out by hand (or lambdified from SymPy).

Both follow the same loss from the same start, so a derived update rule can be compared with
``torch.optim`` step by step. :func:`torch_run` and :func:`rule_run` also keep, step by step, what each
side holds in its state (torch's ``exp_avg``, ``sum``, ``momentum_buffer`` …; whatever the rule puts in its
state dict, such as the step a displayed formula computed), exactly as computed.

>>> import torch
>>> loss = lambda p: (p**2).sum()
>>> theirs = torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1), loss, [1.0, -2.0], steps=3)
>>> ours = rule_trajectory(lambda theta, g, state, t, lr: (theta - lr * g, state), loss, [1.0, -2.0], steps=3, lr=0.1)
>>> bool(abs(theirs - ours).max() < 1e-15), theirs.shape
(True, (4, 2))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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


@dataclass
class Run:
    """The iterates θ_0 … θ_T ((T + 1) × d) and, under each state key, its value after steps 1 … T (T × …)."""

    iterates: np.ndarray
    state: dict[str, np.ndarray] = field(default_factory=dict)


def _record(history: dict[str, list], state: dict, step: int, shape: tuple[int, ...] | None = None) -> None:
    """Append, for step ``step``, a copy of every numeric entry of ``state`` (of the given ``shape``, if any)."""
    for key, value in state.items():
        if hasattr(value, "detach"):
            value = value.detach().numpy()
        if not isinstance(value, np.ndarray | float | int):
            continue
        array = np.array(value, dtype=float)
        if shape is None or array.shape == shape:
            history.setdefault(key, [None] * (step - 1)).append(array)


def _stacked(history: dict[str, list]) -> dict[str, np.ndarray]:
    return {key: np.array(values) for key, values in history.items() if all(v is not None for v in values)}


def torch_run(
    make_optimizer: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    loss: Loss,
    theta0: Sequence[float],
    *,
    steps: int,
    schedule: Callable[[int], float] | None = None,
) -> Run:
    """``torch.optim`` on ``loss`` from ``theta0``: its iterates, and its per-parameter state after each step.

    ``schedule(k)`` multiplies the optimizer's learning rate at step k + 1 (``torch.optim.lr_scheduler.LambdaLR``).
    The state keys are torch's own (``exp_avg``, ``exp_avg_sq``, ``sum``, ``square_avg``, ``momentum_buffer``).
    """
    p = torch.tensor(np.asarray(theta0, dtype=float), dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([p])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule) if schedule else None
    iterates = [p.detach().numpy().copy()]
    history: dict[str, list] = {}
    for t in range(1, steps + 1):
        optimizer.zero_grad()
        loss(p).backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        iterates.append(p.detach().numpy().copy())
        _record(history, optimizer.state[p], t, shape=tuple(p.shape))  # not torch's step count
    return Run(np.array(iterates), _stacked(history))


def torch_trajectory(
    make_optimizer: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    loss: Loss,
    theta0: Sequence[float],
    *,
    steps: int,
    schedule: Callable[[int], float] | None = None,
) -> np.ndarray:
    """The iterates θ_0, …, θ_steps of ``torch.optim`` on ``loss``: a (steps + 1) × d array (see :func:`torch_run`)."""
    return torch_run(make_optimizer, loss, theta0, steps=steps, schedule=schedule).iterates


def rule_run(
    rule: Rule,
    loss: Loss,
    theta0: Sequence[float],
    *,
    steps: int,
    lr: float,
    schedule: Callable[[int], float] | None = None,
) -> Run:
    """``rule`` on ``loss`` (gradients by autograd) at the rate ``lr × schedule(t − 1)``: its iterates, and
    the entries of its state dict after each step, copied exactly as the rule computed them."""
    theta = np.asarray(theta0, dtype=float)
    state: dict = {}
    iterates = [theta.copy()]
    history: dict[str, list] = {}
    for t in range(1, steps + 1):
        rate = lr * (schedule(t - 1) if schedule else 1.0)
        theta, state = rule(theta, gradient(loss, theta), state, t, rate)
        iterates.append(np.array(theta, dtype=float))
        _record(history, state, t)
    return Run(np.array(iterates), _stacked(history))


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
    return rule_run(rule, loss, theta0, steps=steps, lr=lr, schedule=schedule).iterates


def torch_step(
    make_optimizer: Callable[[list[torch.Tensor]], torch.optim.Optimizer], theta: Sequence[float], grad: Sequence[float]
) -> np.ndarray:
    """θ after one step of a fresh ``torch.optim`` optimizer from ``theta``, given the gradient ``grad``."""
    p = torch.tensor(np.asarray(theta, dtype=float), dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor(np.asarray(grad, dtype=float), dtype=torch.float64)
    make_optimizer([p]).step()
    return p.detach().numpy().copy()
