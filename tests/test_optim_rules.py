"""The two trajectories agree when the rule is torch.optim's, and the schedule reaches both the same way."""

import numpy as np
import torch

from experiments.optim_rules import gradient, rule_run, rule_trajectory, torch_run, torch_step, torch_trajectory


def loss(p):
    return torch.logsumexp(torch.stack([p[0], 2 * p[1], -p[0] - p[1]]), 0) + 0.5 * (p**2).sum()


def momentum(theta, g, state, t, lr, mu=0.9):
    state["b"] = g if t == 1 else mu * state["b"] + g
    return theta - lr * state["b"], state


def test_gradient_is_autograds():
    theta = np.array([0.3, -0.2])
    h = 1e-6
    fd = [(loss(torch.tensor(theta + h * e)) - loss(torch.tensor(theta - h * e))).item() / (2 * h) for e in np.eye(2)]
    assert np.allclose(gradient(loss, theta), fd, rtol=1e-8)


def test_momentum_rule_follows_torch_with_a_schedule():
    schedule = lambda k: 1.0 if k < 5 else 0.1  # noqa: E731
    theirs = torch_trajectory(
        lambda ps: torch.optim.SGD(ps, lr=0.2, momentum=0.9), loss, [1.0, -1.0], steps=12, schedule=schedule
    )
    ours = rule_trajectory(momentum, loss, [1.0, -1.0], steps=12, lr=0.2, schedule=schedule)
    assert theirs.shape == ours.shape == (13, 2)
    assert np.abs(theirs - ours).max() < 1e-14


def test_a_wrong_rule_departs_from_torch():
    theirs = torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=0.2, momentum=0.9), loss, [1.0, -1.0], steps=5)
    plain = rule_trajectory(lambda theta, g, s, t, lr: (theta - lr * g, s), loss, [1.0, -1.0], steps=5, lr=0.2)
    assert np.abs(theirs - plain).max() > 1e-2


def test_runs_keep_each_sides_state_step_by_step():
    theirs = torch_run(lambda ps: torch.optim.Adagrad(ps, lr=0.1), loss, [1.0, -1.0], steps=4)

    def adagrad(theta, g, state, t, lr):
        state["s"] = state.get("s", 0.0) + g**2
        state["shown"] = -lr * g / (np.sqrt(state["s"]) + 1e-10)
        return theta + state["shown"], state

    ours = rule_run(adagrad, loss, [1.0, -1.0], steps=4, lr=0.1)
    assert set(theirs.state) == {"sum"}, "torch's step count is not a per-parameter array"
    assert theirs.state["sum"].shape == ours.state["s"].shape == (4, 2)
    assert np.allclose(theirs.state["sum"], ours.state["s"], rtol=1e-14)
    assert np.allclose(np.diff(theirs.iterates, axis=0), ours.state["shown"], rtol=1e-12)
    assert np.array_equal(ours.iterates, rule_trajectory(adagrad, loss, [1.0, -1.0], steps=4, lr=0.1))


def test_one_step_from_a_given_gradient():
    after = torch_step(lambda ps: torch.optim.SGD(ps, lr=0.5, weight_decay=0.1), [2.0, -4.0], [1.0, 1.0])
    assert np.allclose(after, [2.0 - 0.5 * (1.0 + 0.2), -4.0 - 0.5 * (1.0 - 0.4)], rtol=1e-15)
