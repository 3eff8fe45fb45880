"""The shared figures: decision regions return the labels they shade; loss curves drop non-finite values."""

import matplotlib.pyplot as plt
import numpy as np

from experiments.plotting import decision_regions, grid_over, loss_curves


def test_grid_covers_the_points_with_padding():
    _, _, points = grid_over(np.array([[0.0, -1.0], [2.0, 1.0]]), resolution=5, padding=0.5)
    assert points.shape == (25, 2)
    assert points.min(axis=0).tolist() == [-0.5, -1.5] and points.max(axis=0).tolist() == [2.5, 1.5]


def test_decision_regions_shade_what_predict_says():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    y = np.array([0, 1])
    fig, ax = plt.subplots()
    labels = decision_regions(ax, lambda p: (p[:, 0] > 0).astype(int), X, y, resolution=20)
    plt.close(fig)
    assert labels.shape == (20, 20)
    assert (labels[:, :10] == 0).all() and (labels[:, 10:] == 1).all()


def test_loss_curves_skip_non_finite_values():
    fig, ax = plt.subplots()
    loss_curves(ax, {"a": np.array([1.0, 0.5, np.inf]), "b": np.array([2.0, 1.0, 0.5])})
    plt.close(fig)
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [2, 3]
