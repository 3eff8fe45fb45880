"""Two-class 2-D classification experiments: seeded data sets, linear and ReLU classifiers, a KL-loss training loop.

Several independently seeded models are trained *together*: their parameters are stacked along a
leading "member" axis and the loss is the sum of the members' losses. Every parameter then
receives exactly its own member's gradient, and Adam and SGD act entry by entry, so the result is
the same as training each member alone — at the cost of one training loop instead of several
(a step costs mostly Python overhead at these sizes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

_DTYPE = torch.float64


# ------------------------------------------------------------------------------- data sets


def separable_blobs(n: int, *, seed: int, gap: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds (n/2 points each, std 0.5) on either side of a random line through the origin.

    Points are drawn until each class has n/2 points at distance ≥ ``gap``/2 from the line, so the
    data are linearly separable with margin ``gap``/2 by construction.

    >>> X, y = separable_blobs(6, seed=0)
    >>> X.shape, y.tolist()
    ((6, 2), [0, 0, 0, 1, 1, 1])
    """
    if n < 2 or n % 2:
        raise ValueError(f"n must be a positive even number (two equal classes); got {n}")
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    classes = []
    for sign in (-1.0, 1.0):
        kept = np.empty((0, 2))
        while len(kept) < n // 2:
            points = rng.normal(loc=sign * normal, scale=0.5, size=(n, 2))
            kept = np.vstack([kept, points[sign * (points @ normal) >= gap / 2]])
        classes.append(kept[: n // 2])
    X = np.vstack(classes)
    y = np.repeat([0, 1], n // 2)
    return X, y


def circles(n: int, *, seed: int, noise: float = 0.1, factor: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy concentric circles, n/2 points each, in random order: class 0 on the unit circle, class 1 on
    the circle of radius ``factor``, at uniformly random angles, plus Gaussian noise of std ``noise`` per coordinate.

    The same data set as scikit-learn's ``make_circles`` (which spaces the angles evenly), without importing it.

    >>> X, y = circles(4, seed=0)
    >>> X.shape, sorted(y.tolist())
    ((4, 2), [0, 0, 1, 1])
    """
    if n < 2 or n % 2:
        raise ValueError(f"n must be a positive even number (two equal classes); got {n}")
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat([0, 1], n // 2))
    radius = np.where(y == 0, 1.0, factor)
    angle = rng.uniform(0, 2 * np.pi, size=n)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]) + noise * rng.normal(size=(n, 2))
    return X, y


def alternate_split(
    X: np.ndarray, y: np.ndarray
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Even rows for training, odd rows for testing: two samples from the same distribution.

    >>> (X_train, y_train), (X_test, y_test) = alternate_split(np.arange(8.0).reshape(4, 2), np.array([0, 0, 1, 1]))
    >>> y_train.tolist(), y_test.tolist()
    ([0, 1], [0, 1])
    """
    return (X[0::2], y[0::2]), (X[1::2], y[1::2])


def stack(datasets: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Data sets of equal size as tensors X: (members, n, 2) and y: (members, n)."""
    X = torch.tensor(np.stack([d[0] for d in datasets]), dtype=_DTYPE)
    y = torch.tensor(np.stack([d[1] for d in datasets]), dtype=torch.long)
    return X, y


# ------------------------------------------------------------------------------- models


class Classifiers(torch.nn.Module):
    """``members`` independent classifiers of 2-D points into ``classes`` classes, evaluated together.

    ``hidden=None``: linear softmax classifiers, logits z = W x + b with W: classes × 2.
    ``hidden=h``: one ReLU hidden layer, z = W2 relu(W1 x + b1) + b2 with W1: h × 2, W2: classes × h.
    ``init="default"`` draws every weight and bias from U(−1/√fan_in, 1/√fan_in) as ``torch.nn.Linear``
    does, seeded; ``init="zeros"`` sets every parameter to 0. Parameters carry a leading member axis.
    """

    def __init__(
        self, members: int, *, classes: int = 2, hidden: int | None = None, init: str = "default", seed: int = 0
    ) -> None:
        super().__init__()
        if init not in ("default", "zeros"):
            raise ValueError(f'init must be "default" or "zeros"; got {init!r}')
        generator = torch.Generator().manual_seed(seed)

        def parameter(*shape: int, fan_in: int) -> torch.nn.Parameter:
            if init == "zeros":
                return torch.nn.Parameter(torch.zeros(members, *shape, dtype=_DTYPE))
            bound = 1 / math.sqrt(fan_in)
            return torch.nn.Parameter((2 * torch.rand(members, *shape, generator=generator, dtype=_DTYPE) - 1) * bound)

        self.hidden = hidden
        self.members = members
        if hidden is None:
            self.W = parameter(classes, 2, fan_in=2)
            self.b = parameter(classes, fan_in=2)
        else:
            self.W1 = parameter(hidden, 2, fan_in=2)
            self.b1 = parameter(hidden, fan_in=2)
            self.W2 = parameter(classes, hidden, fan_in=hidden)
            self.b2 = parameter(classes, fan_in=hidden)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Logits of shape (members, n, classes) for X of shape (n, 2) (shared) or (members, n, 2)."""
        if X.dim() == 2:
            X = X.expand(self.members, -1, -1)
        if self.hidden is None:
            return torch.einsum("mki,mni->mnk", self.W, X) + self.b[:, None, :]
        h = torch.relu(torch.einsum("mhi,mni->mnh", self.W1, X) + self.b1[:, None, :])
        return torch.einsum("mkh,mnh->mnk", self.W2, h) + self.b2[:, None, :]


# ------------------------------------------------------------------------------- loss and training


def smoothed_targets(y: torch.Tensor, classes: int, smoothing: float = 0.0) -> torch.Tensor:
    """One-hot targets (``smoothing=0``) or label-smoothed ones: (1 − ε)·onehot + ε/classes.

    >>> smoothed_targets(torch.tensor([1]), 2, 0.2).tolist()
    [[0.1, 0.9]]
    """
    return (1 - smoothing) * F.one_hot(y, classes).to(_DTYPE) + smoothing / classes


def kl_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Sum over members of each member's mean KL(target ‖ softmax(logits)) over its points.

    ``F.kl_div`` takes log-probabilities as input and probabilities as target; ``reduction="sum"``
    divided by the number of points is what ``"batchmean"`` computes for one member.
    """
    points = logits.shape[-2]
    return F.kl_div(F.log_softmax(logits, dim=-1), targets, reduction="sum") / points


def train(
    model: Classifiers, X: torch.Tensor, y: torch.Tensor, *, steps: int, lr: float, smoothing: float = 0.0
) -> np.ndarray:
    """Full-batch Adam on the KL loss; returns the loss (summed over members) before each step and at the end."""
    classes = model.W.shape[1] if model.hidden is None else model.W2.shape[1]
    targets = smoothed_targets(y, classes, smoothing)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = np.empty(steps + 1)
    for t in range(steps + 1):
        optimizer.zero_grad()
        loss = kl_loss(model(X), targets)
        losses[t] = loss.item()
        if t < steps:
            loss.backward()
            optimizer.step()
    return losses


def accuracy(model: Classifiers, X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """The fraction of points each member classifies correctly, as an array of length members."""
    with torch.no_grad():
        return (model(X).argmax(dim=-1) == y).to(_DTYPE).mean(dim=-1).numpy()


def best_linear_accuracy(X: np.ndarray, y: np.ndarray, *, angles: int = 720) -> float:
    """The best accuracy any line achieves on (X, y), by searching directions and every useful offset.

    For each of ``angles`` directions u, the points are sorted by uᵀx and every threshold between
    neighbours is tried, with either class on either side: an upper bound (up to the angular
    resolution) on what any linear classifier of two classes can reach on this data.
    """
    best = 0.0
    n = len(y)
    for angle in np.linspace(0, np.pi, angles, endpoint=False):
        order = np.argsort(X @ np.array([np.cos(angle), np.sin(angle)]))
        ones_below = np.concatenate([[0], np.cumsum(y[order])])  # class-1 points among the k lowest
        k = np.arange(n + 1)
        # predict 0 below the threshold and 1 above it, or the other way round
        correct = (k - ones_below) + (ones_below[-1] - ones_below)
        best = max(best, correct.max() / n, (n - correct).max() / n)
    return float(best)
