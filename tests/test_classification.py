"""The classification experiments: data sets, the stacked classifiers, the KL loss and training."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from experiments.classification import (
    Classifiers,
    accuracy,
    alternate_split,
    best_linear_accuracy,
    circles,
    kl_loss,
    separable_blobs,
    smoothed_targets,
    stack,
    train,
)


def test_blobs_are_separable_with_margin():
    X, y = separable_blobs(200, seed=5, gap=1.0)
    assert X.shape == (200, 2) and np.bincount(y).tolist() == [100, 100]
    assert best_linear_accuracy(X, y) == 1.0


def test_circles_are_balanced_and_not_linearly_separable():
    X, y = circles(400, seed=0, noise=0.0)
    assert np.bincount(y).tolist() == [200, 200]
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 0, 1.0, 0.5))
    assert best_linear_accuracy(X, y) < 0.8


@pytest.mark.parametrize("make", [separable_blobs, circles])
def test_odd_sizes_are_rejected(make):
    with pytest.raises(ValueError):
        make(7, seed=0)


def test_kl_loss_equals_cross_entropy_for_one_hot_targets():
    logits = torch.randn(2, 10, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    y = torch.randint(3, (2, 10), generator=torch.Generator().manual_seed(1))
    expected = sum(F.cross_entropy(logits[m], y[m]) for m in range(2))
    assert kl_loss(logits, smoothed_targets(y, 3)).item() == pytest.approx(expected.item(), rel=1e-12)


def test_members_train_exactly_as_if_alone():
    (X0, y0), _ = alternate_split(*circles(40, seed=0))
    (X1, y1), _ = alternate_split(*circles(40, seed=1))
    X, y = stack([(X0, y0), (X1, y1)])
    together = Classifiers(2, hidden=4, seed=7)
    alone = Classifiers(1, hidden=4)
    with torch.no_grad():
        for name, p in alone.named_parameters():
            p.copy_(getattr(together, name)[1:2])
    train(together, X, y, steps=20, lr=0.05)
    train(alone, X[1:2], y[1:2], steps=20, lr=0.05)
    for name, p in alone.named_parameters():
        torch.testing.assert_close(p, getattr(together, name)[1:2], rtol=1e-12, atol=1e-14)


def test_zero_initialised_hidden_layer_never_moves():
    (X, y), _ = alternate_split(*circles(100, seed=0))
    net = Classifiers(1, hidden=8, init="zeros")
    train(net, torch.tensor(X), torch.tensor(y)[None], steps=30, lr=0.1)
    assert torch.count_nonzero(net.W1) == 0 and torch.count_nonzero(net.W2) == 0


def test_linear_classifier_from_zero_separates_blobs():
    X, y = stack([separable_blobs(100, seed=s) for s in range(2)])
    model = Classifiers(2, init="zeros")
    losses = train(model, X, y, steps=100, lr=0.05)
    assert losses[-1] < losses[0]
    np.testing.assert_array_equal(accuracy(model, X, y), [1.0, 1.0])


def test_bad_init_is_rejected():
    with pytest.raises(ValueError, match="init"):
        Classifiers(1, init="ones")
