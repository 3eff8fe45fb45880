"""Figures the experiment chapters share: decision regions of 2-D classifiers and loss curves."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.axes
import numpy as np
from matplotlib.colors import ListedColormap

#: Light fills for regions, strong colours for points, one pair per class.
REGION_COLOURS = ListedColormap(["#c6dbef", "#fdd0a2", "#c7e9c0"])
POINT_COLOURS = ListedColormap(["#2171b5", "#d94801", "#238b45"])


def grid_over(
    X: np.ndarray, *, resolution: int = 200, padding: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A resolution × resolution grid covering the points X (n × 2) with a margin; returns xx, yy and the
    grid points as a (resolution², 2) array.

    >>> xx, yy, points = grid_over(np.array([[0.0, 0.0], [1.0, 1.0]]), resolution=3, padding=0.0)
    >>> points.tolist()[:3]
    [[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]]
    """
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def decision_regions(
    ax: matplotlib.axes.Axes,
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    title: str = "",
    resolution: int = 200,
) -> np.ndarray:
    """Shade the class that ``predict`` (points (m, 2) → labels (m,)) assigns over a grid, and scatter (X, y).

    Returns the predicted labels on the grid (resolution × resolution), so a caller can assert on them.
    """
    xx, yy, points = grid_over(X, resolution=resolution)
    labels = np.asarray(predict(points)).reshape(xx.shape)
    classes = int(max(labels.max(), y.max())) + 1
    levels = np.arange(classes + 1) - 0.5
    ax.contourf(xx, yy, labels, levels=levels, cmap=REGION_COLOURS, vmin=-0.5, vmax=2.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=POINT_COLOURS, vmin=0, vmax=2, s=9, edgecolors="white", linewidths=0.3)
    ax.set_title(title, fontsize=10)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return labels


def loss_curves(ax: matplotlib.axes.Axes, curves: Mapping[str, np.ndarray], *, ylabel: str = "loss") -> None:
    """Plot each curve against its step on a log scale, labelled by its key; non-finite values are dropped."""
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        steps = np.arange(values.size)
        keep = np.isfinite(values)
        ax.semilogy(steps[keep], values[keep], label=label, lw=1.5)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
