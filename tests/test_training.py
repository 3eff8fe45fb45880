"""Model builders and training loops, on tiny data: what they record, that they learn, and that they fail clearly."""

from __future__ import annotations

import itertools
import math
from functools import partial

import numpy as np
import pytest
import torch
from torch import nn

from experiments.training import (
    History,
    evaluate,
    mlp,
    parameter_count,
    train,
    train_by_evaluations,
    train_together,
)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def blobs(n: int = 60, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Three well separated Gaussian clouds in 4-D."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    centres = torch.eye(3, 4) * 4.0
    return centres[y] + torch.randn(n, 4, generator=generator), y


# ---------------------------------------------------------------------------- builders


def test_mlp_layers_and_activations():
    model = mlp([4, 5, 6, 3], "tanh")
    assert [type(m) for m in model] == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]
    assert [(m.in_features, m.out_features) for m in model if isinstance(m, nn.Linear)] == [(4, 5), (5, 6), (6, 3)]
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert mlp([2, 2], dtype=torch.float64)[0].weight.dtype == torch.float64


@pytest.mark.parametrize("sizes", [[784, 10], [784, 200, 100, 60, 30, 10], [3, 1], [5, 7, 2, 9]])
def test_parameter_count_is_sum_of_weights_and_biases(sizes):
    assert parameter_count(mlp(sizes, seed=None)) == sum((a + 1) * b for a, b in itertools.pairwise(sizes))


def test_parameter_count_ignores_frozen_parameters():
    model = mlp([3, 2])
    model[0].bias.requires_grad_(False)
    assert parameter_count(model) == 6


def test_mlp_seed_fixes_the_initialisation():
    a, b, c = mlp([4, 3], seed=1), mlp([4, 3], seed=1), mlp([4, 3], seed=2)
    assert torch.equal(a[0].weight, b[0].weight) and not torch.equal(a[0].weight, c[0].weight)


def test_mlp_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least an input and an output"):
        mlp([4])
    with pytest.raises(ValueError, match="all positive"):
        mlp([4, 0, 2])
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        mlp([4, 2], "gelu")


def test_evaluate_on_a_model_with_zero_logits():
    model = mlp([4, 3])
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    x, y = blobs(9)
    loss, accuracy = evaluate(model, x, y)
    assert math.isclose(loss, math.log(3), rel_tol=1e-6)
    assert math.isclose(accuracy, 1 / 3), "ties go to class 0, which is a third of the labels"


# ---------------------------------------------------------------------------- train


def test_train_learns_and_records_every_epoch():
    x, y = blobs()
    model = mlp([4, 8, 3])
    history = train(
        model, x, y, torch.optim.Adam(model.parameters(), lr=0.05), epochs=20, batch_size=16, x_test=x[:9], y_test=y[:9]
    )
    assert history.epochs == 20
    assert all(
        len(v) == 21 for v in (history.train_loss, history.train_accuracy, history.test_loss, history.test_accuracy)
    )
    assert history.train_loss[-1] < 0.2 * history.train_loss[0] and history.train_accuracy[-1] == 1.0
    assert history.learning_rate == [0.05] * 21
    assert history.summary("blobs").startswith("blobs: 20 epochs, train loss ")


def test_train_full_batch_is_one_update_per_epoch():
    x, y = blobs()
    model = mlp([4, 3], seed=3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5**step)
    history = train(model, x, y, optimizer, epochs=3, scheduler=scheduler)
    assert history.learning_rate == pytest.approx([0.1, 0.05, 0.025, 0.0125], rel=1e-12)
    assert history.test_loss == [], "no test set, no test records"
    # The same three steps by hand: plain gradient descent on the whole set, the rate halved after each.
    by_hand = mlp([4, 3], seed=3)
    losses = []
    for lr in (0.1, 0.05, 0.025, None):
        loss = nn.functional.cross_entropy(by_hand(x), y)
        losses.append(loss.item())
        if lr is not None:
            grads = torch.autograd.grad(loss, list(by_hand.parameters()))
            with torch.no_grad():
                for parameter, grad in zip(by_hand.parameters(), grads):
                    parameter -= lr * grad
    assert history.train_loss == pytest.approx(losses, rel=1e-12)


def test_train_rejects_bad_arguments():
    x, y = blobs(6)
    model = mlp([4, 3])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="batch_size"):
        train(model, x, y, optimizer, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="both x_test and y_test"):
        train(model, x, y, optimizer, epochs=1, x_test=x)


def test_history_summary_without_test_set():
    assert History([2.0, 1.0], [0.1, 0.5]).summary("x") == "x: 1 epochs, train loss 1.000 acc 0.500"


# ---------------------------------------------------------------------------- train_by_evaluations


def test_first_entry_is_the_initial_loss_and_sgd_spends_one_evaluation_per_step():
    x, y = blobs()
    model = mlp([4, 3])
    initial = evaluate(model, x, y)[0]
    losses = train_by_evaluations(model, x, y, torch.optim.SGD(model.parameters(), lr=0.5), budget=7)
    assert len(losses) == 7 and math.isclose(losses[0], initial, rel_tol=1e-6)
    assert losses[-1] < losses[0]


def test_lbfgs_is_cut_at_the_budget():
    x, y = blobs()
    model = mlp([4, 3])
    optimizer = torch.optim.LBFGS(model.parameters(), max_iter=4, line_search_fn="strong_wolfe")
    losses = train_by_evaluations(model, x, y, optimizer, budget=9)
    assert len(losses) == 9 and min(losses) < 0.5 * losses[0]


def test_train_by_evaluations_rejects_bad_budget_and_ignored_closure():
    x, y = blobs(6)
    model = mlp([4, 3])
    with pytest.raises(ValueError, match="budget"):
        train_by_evaluations(model, x, y, torch.optim.SGD(model.parameters(), lr=0.1), budget=0)

    class Lazy(torch.optim.SGD):
        def step(self, closure=None):
            return None

    with pytest.raises(RuntimeError, match=r"Lazy\.step evaluated no gradient"):
        train_by_evaluations(model, x, y, Lazy(model.parameters(), lr=0.1), budget=2)


# ---------------------------------------------------------------------------- train_together


@pytest.mark.parametrize("make", [partial(torch.optim.SGD, lr=0.3), partial(torch.optim.Adam, lr=0.05)])
def test_train_together_matches_training_each_model_alone(make):
    x, y = blobs(30)
    seeds = [0, 4, 7]
    together = train_together([mlp([4, 5, 3], seed=s) for s in seeds], x, y, make, epochs=3, batch_size=8, seeds=seeds)
    assert together.shape == (3, 4)
    for row, seed in zip(together, seeds, strict=True):
        model = mlp([4, 5, 3], seed=seed)
        alone = train(model, x, y, make(model.parameters()), epochs=3, batch_size=8, seed=seed).train_loss
        np.testing.assert_allclose(row, alone, rtol=1e-5)


def test_train_together_leaves_the_models_alone_and_checks_seeds():
    x, y = blobs(12)
    models = [mlp([4, 3], seed=s) for s in (0, 1)]
    before = models[0][0].weight.detach().clone()
    train_together(models, x, y, partial(torch.optim.SGD, lr=0.5), epochs=1, batch_size=4, seeds=[0, 1])
    assert torch.equal(models[0][0].weight, before)
    with pytest.raises(ValueError, match="2 models but 1 seeds"):
        train_together(models, x, y, partial(torch.optim.SGD, lr=0.5), epochs=1, batch_size=4, seeds=[0])
