"""Linear regression experiments: seeded data, least squares three ways, SGD, and L1 regression.

Everything works in float64 NumPy arrays with shapes X: n × d, y: (n,), θ: (d,). The chapter
``book/linear_regression.md`` derives the formulas; this module only runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.optimize
import torch


@dataclass
class RegressionData:
    """A design matrix ``X`` (n × d), targets ``y`` (n,) and the θ (d,) that generated them."""

    X: np.ndarray
    y: np.ndarray
    theta: np.ndarray


def linear_data(
    n: int,
    theta: np.ndarray,
    *,
    seed: int,
    noise: float = 0.1,
    outliers: int = 0,
    outlier_shift: float = 10.0,
    feature_mean: float = 0.0,
) -> RegressionData:
    """``y = Xθ + noise`` with an intercept column of ones first and normal features N(feature_mean, 1) after it.

    A non-zero ``feature_mean`` correlates the features with the intercept column, which spreads
    the eigenvalues of XᵀX/n (as raw, uncentred measurements do).

    ``outliers`` targets (chosen at random) are moved up by ``outlier_shift``: gross errors, not noise.

    >>> data = linear_data(5, np.array([1.0, 2.0]), seed=0)
    >>> data.X.shape, data.y.shape, data.X[:, 0].tolist()
    ((5, 2), (5,), [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 1 or theta.size < 1:
        raise ValueError(f"theta must be a 1-D array of d ≥ 1 coefficients; got shape {theta.shape}")
    if not 0 <= outliers <= n:
        raise ValueError(f"outliers must be between 0 and n = {n}; got {outliers}")
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(loc=feature_mean, size=(n, theta.size - 1))])
    y = X @ theta + noise * rng.normal(size=n)
    if outliers:
        y[rng.choice(n, outliers, replace=False)] += outlier_shift
    return RegressionData(X, y, theta)


def matrix_with_condition(n: int, d: int, condition: float, *, seed: int) -> np.ndarray:
    """An n × d matrix with singular values spaced log-evenly from 1 down to ``1/condition``.

    Built as U diag(s) Vᵀ with seeded random orthonormal U, V, so its 2-norm condition number
    is ``condition`` up to rounding.

    >>> float(np.linalg.cond(matrix_with_condition(6, 3, 100.0, seed=0))).__round__(6)
    100.0
    """
    if n < d:
        raise ValueError(f"need n ≥ d for a full-column-rank matrix; got n = {n}, d = {d}")
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.normal(size=(n, d)))
    V, _ = np.linalg.qr(rng.normal(size=(d, d)))
    s = np.logspace(0, -np.log10(condition), d)
    return (U * s) @ V.T


# ------------------------------------------------------------------------------- least squares


def normal_equations(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """θ from XᵀXθ = Xᵀy: the textbook formula, which squares the condition number of X."""
    return np.linalg.solve(X.T @ X, X.T @ y)


def least_squares_qr(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """θ from X = QR and Rθ = Qᵀy: never forms XᵀX, so it works with the condition number of X."""
    Q, R = np.linalg.qr(X)
    return scipy.linalg.solve_triangular(R, Q.T @ y)


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """θ from ``np.linalg.lstsq`` (an SVD-based solver), the one to use in practice."""
    return np.linalg.lstsq(X, y, rcond=None)[0]


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """‖got − expected‖ / ‖expected‖ in the 2-norm."""
    return float(np.linalg.norm(np.asarray(got) - expected) / np.linalg.norm(expected))


# ------------------------------------------------------------------------------- gradient descent


def train_sgd(
    X: np.ndarray,
    y: np.ndarray,
    *,
    lr: float,
    steps: int,
    batch_size: int | None = None,
    seed: int = 0,
    decay: float = 0.0,
    theta0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise the mean loss ½·mean((Xθ − y)²) with ``torch.optim.SGD``; return θ and the loss per step.

    ``batch_size=None`` uses every row each step (plain gradient descent); otherwise each step
    draws a seeded random mini-batch. The learning rate at step t is ``lr / (1 + decay·t)``.
    The returned losses are of the full data set, before each step (so ``losses[0]`` is at θ0).
    A run that overflows stops early; its remaining losses are ``inf``.
    """
    X_t = torch.as_tensor(X, dtype=torch.float64)
    y_t = torch.as_tensor(y, dtype=torch.float64)
    n, d = X_t.shape
    start = torch.zeros(d, dtype=torch.float64) if theta0 is None else torch.as_tensor(theta0, dtype=torch.float64)
    theta = torch.nn.Parameter(start.clone())
    optimizer = torch.optim.SGD([theta], lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: 1.0 / (1.0 + decay * t))
    generator = torch.Generator().manual_seed(seed)
    losses = np.full(steps + 1, np.inf)
    for t in range(steps + 1):
        with torch.no_grad():
            losses[t] = 0.5 * torch.mean((X_t @ theta - y_t) ** 2).item()
        if t == steps or not np.isfinite(losses[t]) or losses[t] > 1e200:
            break
        rows = slice(None) if batch_size is None else torch.randint(n, (batch_size,), generator=generator)
        optimizer.zero_grad()
        loss = 0.5 * torch.mean((X_t[rows] @ theta - y_t[rows]) ** 2)
        loss.backward()
        optimizer.step()
        schedule.step()
    return theta.detach().numpy().copy(), losses


# ------------------------------------------------------------------------------- L1 regression


def l1_objective(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    """‖Xθ − y‖₁."""
    return float(np.abs(X @ theta - y).sum())


def l1_linprog(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Minimise ‖Xθ − y‖₁ as a linear program; return θ and the optimal objective.

    Variables (θ, t) with t ∈ ℝⁿ: minimise Σ tᵢ subject to −t ≤ Xθ − y ≤ t.
    """
    n, d = X.shape
    cost = np.concatenate([np.zeros(d), np.ones(n)])
    identity = np.eye(n)
    A = np.block([[X, -identity], [-X, -identity]])
    b = np.concatenate([y, -y])
    bounds = [(None, None)] * d + [(0, None)] * n
    result = scipy.optimize.linprog(cost, A_ub=A, b_ub=b, bounds=bounds, method="highs")
    if not result.success:
        raise RuntimeError(f"linprog failed: {result.message}")
    theta = result.x[:d]
    return theta, l1_objective(X, y, theta)


def l1_subgradient(
    X: np.ndarray, y: np.ndarray, *, steps: int, step0: float, theta0: np.ndarray | None = None
) -> tuple[np.ndarray, float, np.ndarray]:
    """Subgradient method for ‖Xθ − y‖₁ with steps ``step0/√(t+1)`` along a normalised subgradient.

    The objective is not monotone along the iterates, so the best iterate is returned with its
    objective, and the best objective so far at every step. The subgradient used is Xᵀ sign(Xθ − y)
    (sign 0 at a zero residual, an element of the subdifferential).
    """
    theta = np.zeros(X.shape[1]) if theta0 is None else np.asarray(theta0, dtype=float).copy()
    best_theta, best = theta.copy(), l1_objective(X, y, theta)
    history = np.empty(steps)
    for t in range(steps):
        g = X.T @ np.sign(X @ theta - y)
        norm = np.linalg.norm(g)
        if norm == 0:  # 0 is a subgradient: θ is optimal
            history[t:] = best
            break
        theta = theta - step0 / np.sqrt(t + 1) * g / norm
        value = l1_objective(X, y, theta)
        if value < best:
            best, best_theta = value, theta.copy()
        history[t] = best
    return best_theta, best, history
