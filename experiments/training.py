"""Model builders and training loops for the training chapter: small, seeded, and quiet.

Every loop records the numbers a chapter asserts on (losses and accuracies per epoch, or the loss
after every gradient evaluation) and prints nothing: the chapter prints one line per experiment.

>>> model = mlp([64, 10], seed=0)
>>> parameter_count(model)
650
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

#: The activations :func:`mlp` understands, by name.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def mlp(
    sizes: Sequence[int], activation: str = "relu", *, seed: int | None = 0, dtype: torch.dtype = torch.float32
) -> nn.Sequential:
    """A fully connected net ``sizes[0] → … → sizes[-1]`` with ``activation`` between layers (none after the last).

    The output is the logits: the loss (``F.cross_entropy``) applies log-softmax itself. ``seed`` fixes
    PyTorch's default initialisation; ``seed=None`` uses the global generator as it stands.

    >>> mlp([4, 3, 2], "sigmoid")
    Sequential(
      (0): Linear(in_features=4, out_features=3, bias=True)
      (1): Sigmoid()
      (2): Linear(in_features=3, out_features=2, bias=True)
    )
    """
    if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
        raise ValueError(f"sizes must list at least an input and an output size, all positive; got {list(sizes)}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    if seed is not None:
        torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        if k > 0:
            layers.append(ACTIVATIONS[activation]())
        layers.append(nn.Linear(n_in, n_out, dtype=dtype))
    return nn.Sequential(*layers)


def parameter_count(model: nn.Module) -> int:
    """The number of trainable scalars: ``sum(p.numel() for p in model.parameters())``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``(x, y)``."""
    logits = model(x)
    return F.cross_entropy(logits, y).item(), (logits.argmax(dim=1) == y).double().mean().item()


@dataclass
class History:
    """Per-epoch records; index 0 is before the first update."""

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.train_loss) - 1

    def summary(self, label: str) -> str:
        """One line: the final train/test loss and accuracy."""
        test = f", test loss {self.test_loss[-1]:.3f} acc {self.test_accuracy[-1]:.3f}" if self.test_loss else ""
        train = f"train loss {self.train_loss[-1]:.3f} acc {self.train_accuracy[-1]:.3f}"
        return f"{label}: {self.epochs} epochs, {train}{test}"


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    batch_size: int | None = None,
    x_test: torch.Tensor | None = None,
    y_test: torch.Tensor | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    seed: int = 0,
) -> History:
    """Minimise the cross-entropy of ``model`` on ``(x, y)``; record loss and accuracy after every epoch.

    ``batch_size=None`` means full batch (one update per epoch); otherwise the examples are shuffled
    each epoch by a generator seeded with ``seed``. A ``scheduler`` is stepped after every update.
    """
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be positive or None (full batch), got {batch_size}")
    if (x_test is None) != (y_test is None):
        raise ValueError("give both x_test and y_test, or neither")
    generator = torch.Generator().manual_seed(seed)
    history = History()

    def record() -> None:
        loss, accuracy = evaluate(model, x, y)
        history.train_loss.append(loss)
        history.train_accuracy.append(accuracy)
        if x_test is not None and y_test is not None:  # both or neither, checked above
            loss, accuracy = evaluate(model, x_test, y_test)
            history.test_loss.append(loss)
            history.test_accuracy.append(accuracy)
        history.learning_rate.append(optimizer.param_groups[0]["lr"])

    record()
    n = len(x)
    for _ in range(epochs):
        model.train()
        batches = [torch.arange(n)] if batch_size is None else torch.randperm(n, generator=generator).split(batch_size)
        for batch in batches:
            optimizer.zero_grad()
            F.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
        model.eval()
        record()
    return history


def train_by_evaluations(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer, *, budget: int
) -> list[float]:
    """Full-batch training for ``budget`` gradient evaluations; return the loss at each evaluation.

    Entry ``k`` is the cross-entropy at the point where the ``k``-th gradient was taken (entry 0: the
    initial parameters). Counting evaluations, not ``optimizer.step()`` calls, makes optimisers
    comparable: SGD, Adagrad and Adam spend one per step, L-BFGS spends one per line-search trial.
    Evaluations past the budget (a line search may overshoot) are dropped.
    """
    if budget < 1:
        raise ValueError(f"budget must be at least 1 gradient evaluation, got {budget}")
    losses: list[float] = []

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        losses.append(loss.item())
        return loss

    while len(losses) < budget:
        before = len(losses)
        # torch's annotation says the closure returns a float; its optimizers take (and return) the loss tensor.
        optimizer.step(closure)  # type: ignore[arg-type]
        if len(losses) == before:
            raise RuntimeError(f"{type(optimizer).__name__}.step evaluated no gradient: pass the closure through")
    return losses[:budget]


def train_together(
    models: Sequence[nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    make_optimizer: Callable[[Iterable[torch.Tensor]], torch.optim.Optimizer],
    *,
    epochs: int,
    batch_size: int,
    seeds: Sequence[int],
) -> np.ndarray:
    """Train models of one architecture side by side; return their training losses, ``models × (epochs + 1)``.

    Model ``m`` gets exactly what ``train(models[m], x, y, make_optimizer(...), epochs=epochs,
    batch_size=batch_size, seed=seeds[m])`` would give it, up to rounding: the same batches in the same
    order, and its own gradient, because the summed loss of independent models has the gradient of each
    model's own loss in each model's parameters. The optimiser must update every entry from its own
    gradient alone (SGD, momentum, Adagrad, Adam; not L-BFGS, whose line search would couple the models).
    One vectorised loop (``torch.func.vmap``) replaces ``len(models)`` loops whose steps cost mostly Python
    overhead at these sizes. The models themselves are not updated.
    """
    if len(models) != len(seeds):
        raise ValueError(f"{len(models)} models but {len(seeds)} seeds: give one seed per model")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    parameters, buffers = stack_module_state(list(models))
    skeleton = copy.deepcopy(models[0]).to("meta")

    def loss(params: dict, bufs: dict, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(functional_call(skeleton, (params, bufs), (xb,)), yb)

    per_model = vmap(loss)
    on_all_data = vmap(loss, in_dims=(0, 0, None, None))
    optimizer = make_optimizer(parameters.values())
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    with torch.no_grad():
        losses = [on_all_data(parameters, buffers, x, y)]
    for _ in range(epochs):
        orders = torch.stack([torch.randperm(len(x), generator=g) for g in generators])
        for batch in orders.split(batch_size, dim=1):
            optimizer.zero_grad()
            per_model(parameters, buffers, x[batch], y[batch]).sum().backward()
            optimizer.step()
        with torch.no_grad():
            losses.append(on_all_data(parameters, buffers, x, y))
    return torch.stack(losses, dim=1).numpy()
