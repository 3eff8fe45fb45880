"""The Elman network's references agree with each other, and the backward recursion reproduces autograd."""

import numpy as np
import pytest
import torch

from experiments.bptt import backward_deltas, loop_gradients, random_elman, rnn_gradients


def step(V, g, W, D, delta):
    return V.T @ g + W.T @ D @ delta


@pytest.mark.parametrize("steps", [1, 2, 7])
def test_nn_rnn_and_the_loop_agree_on_states_and_weight_gradients(steps):
    net = random_elman(hidden=3, inputs=2, outputs=2, steps=steps, seed=steps)
    loop, rnn = loop_gradients(net), rnn_gradients(net)
    assert torch.allclose(rnn["states"], torch.stack(loop.states[1:]), rtol=0, atol=1e-15)
    for name in ("W", "U", "b"):
        assert torch.allclose(rnn[name], getattr(loop, name), rtol=1e-13, atol=1e-15), name


def test_the_recursion_gives_autograds_state_gradients_full_and_truncated():
    net = random_elman(hidden=3, inputs=2, outputs=2, steps=9, seed=0)
    for cuts in ((), (3,), (2, 5, 8)):
        loop = loop_gradients(net, detach_at=cuts)
        deltas = backward_deltas(step, net, loop.states, cut_at=cuts)
        assert np.allclose(np.hstack(deltas), torch.stack(loop.deltas).T.numpy(), rtol=1e-12, atol=1e-15), cuts


def test_a_cut_changes_the_gradient_and_the_last_delta_is_the_output_term():
    net = random_elman(hidden=3, inputs=2, outputs=2, steps=6, seed=1)
    full, cut = loop_gradients(net), loop_gradients(net, detach_at=(3,))
    assert not torch.allclose(full.W, cut.W)
    assert torch.allclose(full.deltas[-1], net.V.T @ net.gs[-1], rtol=1e-14)


def test_the_linear_network_has_no_tanh():
    net = random_elman(hidden=2, inputs=1, outputs=1, steps=2, seed=3)
    states = loop_gradients(net, linear=True).states
    expected = net.W @ (net.W @ net.h0 + net.U @ net.xs[0] + net.b) + net.U @ net.xs[1] + net.b
    assert torch.allclose(states[2], expected, rtol=1e-14)


def test_a_given_w_is_used_and_the_seed_repeats_the_rest():
    W = torch.eye(4, dtype=torch.float64) * 0.3
    one, two = (random_elman(hidden=4, inputs=2, outputs=3, steps=5, seed=9, W=W) for _ in range(2))
    assert torch.equal(one.W, W) and torch.equal(one.xs, two.xs) and torch.equal(one.gs, two.gs)
    assert one.xs.shape == (5, 2) and one.gs.shape == (5, 3) and one.V.shape == (3, 4)
