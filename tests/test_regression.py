"""The regression experiments: data shapes, the three least-squares solvers, SGD, and both L1 solvers."""

import numpy as np
import pytest

from experiments.regression import (
    l1_linprog,
    l1_objective,
    l1_subgradient,
    least_squares,
    least_squares_qr,
    linear_data,
    matrix_with_condition,
    normal_equations,
    relative_error,
    train_sgd,
)

THETA = np.array([0.5, -1.0, 2.0])


def test_linear_data_is_x_theta_plus_noise_of_the_requested_size():
    exact = linear_data(30, THETA, seed=4, noise=0.0)
    assert exact.X.shape == (30, 3) and exact.y.shape == (30,)
    assert np.all(exact.X[:, 0] == 1.0), "the intercept column comes first"
    np.testing.assert_allclose(exact.y, exact.X @ THETA, rtol=1e-15)
    noisy = linear_data(4000, THETA, seed=4, noise=0.5, feature_mean=3.0)
    assert np.std(noisy.y - noisy.X @ THETA) == pytest.approx(0.5, rel=0.05)
    assert np.mean(noisy.X[:, 1:]) == pytest.approx(3.0, abs=0.05)
    assert np.std(noisy.X[:, 1:]) == pytest.approx(1.0, rel=0.05)


def test_linear_data_is_drawn_from_its_seed():
    a, b, c = (linear_data(30, THETA, seed=s) for s in (4, 4, 5))
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X) and not np.array_equal(a.y, c.y), "another seed, other data"


def test_outliers_shift_exactly_that_many_targets():
    clean = linear_data(50, THETA, seed=1, noise=0.0)
    dirty = linear_data(50, THETA, seed=1, noise=0.0, outliers=7, outlier_shift=5.0)
    np.testing.assert_allclose(np.sort(dirty.y - clean.y)[-7:], 5.0)
    assert np.count_nonzero(dirty.y - clean.y) == 7


@pytest.mark.parametrize("bad", [{"theta": np.zeros((2, 2))}, {"outliers": 99}])
def test_bad_arguments_raise(bad):
    kwargs = {"theta": THETA, "outliers": 0} | bad
    with pytest.raises(ValueError):
        linear_data(10, kwargs["theta"], seed=0, outliers=kwargs["outliers"])


def test_condition_number_is_as_requested():
    for kappa in (10.0, 1e6):
        assert np.linalg.cond(matrix_with_condition(20, 4, kappa, seed=2)) == pytest.approx(kappa, rel=1e-6)
    with pytest.raises(ValueError):
        matrix_with_condition(2, 3, 10.0, seed=0)


def test_solvers_agree_on_a_well_conditioned_problem():
    data = linear_data(100, THETA, seed=0)
    reference = least_squares(data.X, data.y)
    np.testing.assert_allclose(least_squares_qr(data.X, data.y), reference, rtol=1e-12)
    np.testing.assert_allclose(normal_equations(data.X, data.y), reference, rtol=1e-12)


def test_normal_equations_lose_digits_that_lstsq_keeps():
    X = matrix_with_condition(40, 3, 1e7, seed=0)
    y = X @ THETA
    assert relative_error(least_squares(X, y), THETA) < 1e-8
    assert relative_error(normal_equations(X, y), THETA) > 1e-5


def test_full_batch_sgd_reaches_the_closed_form_and_large_steps_diverge():
    data = linear_data(100, THETA, seed=0)
    lam_max = np.linalg.eigvalsh(data.X.T @ data.X / 100)[-1]
    theta, losses = train_sgd(data.X, data.y, lr=1 / lam_max, steps=400)
    np.testing.assert_allclose(theta, least_squares(data.X, data.y), rtol=1e-9)
    assert losses.shape == (401,) and losses[-1] <= losses[0]
    _, diverging = train_sgd(data.X, data.y, lr=2.2 / lam_max, steps=100)
    assert diverging[-1] > 1e3 * diverging[0]


def test_a_minibatch_step_follows_the_rows_its_seed_draws():
    """From θ = 0, one step on one row i gives θ = lr·yᵢ·xᵢ (the gradient of ½(xᵢθ − yᵢ)² is −yᵢxᵢ there)."""
    data = linear_data(50, THETA, seed=0)
    candidates = 0.05 * data.y[:, None] * data.X
    rows = []
    for seed in range(6):
        theta, _ = train_sgd(data.X, data.y, lr=0.05, steps=1, batch_size=1, seed=seed)
        matches = np.flatnonzero(np.all(np.isclose(candidates, theta, rtol=1e-12, atol=0.0), axis=1))
        assert matches.size >= 1, f"seed {seed}: θ = {theta} is no step on a single row"
        rows.append(int(matches[0]))
        again, _ = train_sgd(data.X, data.y, lr=0.05, steps=1, batch_size=1, seed=seed)
        np.testing.assert_array_equal(theta, again)
    assert len(set(rows)) > 1, f"six seeds all drew row {rows[0]}"


def test_l1_solvers_agree_and_the_lp_interpolates_d_points():
    data = linear_data(60, THETA, seed=2, noise=0.3, outliers=6)
    theta_lp, objective_lp = l1_linprog(data.X, data.y)
    theta_sub, objective_sub, history = l1_subgradient(data.X, data.y, steps=3000, step0=1.0)
    assert objective_lp == pytest.approx(l1_objective(data.X, data.y, theta_lp))
    assert objective_lp <= objective_sub <= objective_lp * (1 + 1e-3)
    np.testing.assert_allclose(theta_sub, theta_lp, atol=2e-2)
    assert np.all(np.diff(history) <= 0), "the best objective so far never increases"
    assert np.sum(np.abs(data.X @ theta_lp - data.y) < 1e-9) >= 3


def test_l1_of_a_constant_is_the_median():
    y = np.array([3.0, -1.0, 7.0, 0.0, 100.0])
    theta, _ = l1_linprog(np.ones((5, 1)), y)
    assert theta[0] == pytest.approx(3.0)
