"""Deep stacks: the weights come from the init function, the statistics are what autograd says they are."""

import numpy as np
import pytest
import torch
from torch import nn

from experiments.depth import deep_stack, input_gradients, layer_statistics


def test_init_sets_every_weight_and_the_seed_repeats_it():
    stack = deep_stack(4, 3, "relu", lambda w: nn.init.constant_(w, 0.5), seed=0)
    assert all(torch.equal(layer.weight, torch.full((4, 4), 0.5, dtype=torch.float64)) for layer in stack.layers)
    one, two = (deep_stack(4, 3, "tanh", nn.init.xavier_normal_, seed=3) for _ in range(2))
    assert all(torch.equal(p, q) for p, q in zip(one.parameters(), two.parameters()))


def test_forward_is_the_written_recursion_plain_and_residual():
    x = torch.randn(5, 4, dtype=torch.float64)
    for residual in (False, True):
        stack = deep_stack(4, 2, "sigmoid", nn.init.xavier_uniform_, seed=1, residual=residual)
        h = x
        for layer in stack.layers:
            h = h + torch.sigmoid(h @ layer.weight.T) if residual else torch.sigmoid(h @ layer.weight.T)
        assert torch.allclose(stack(x), h, rtol=0, atol=1e-15)


def test_statistics_match_a_hand_written_backward_pass():
    torch.manual_seed(0)
    x = torch.randn(3, 4, dtype=torch.float64)
    stack = deep_stack(4, 2, "tanh", nn.init.xavier_normal_, seed=2)
    stats = layer_statistics(stack, x, seed=5)
    W1, W2 = (layer.weight.detach() for layer in stack.layers)
    z1 = x @ W1.T
    h1 = torch.tanh(z1)
    z2 = h1 @ W2.T
    G = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    dz2 = G * (1 - torch.tanh(z2) ** 2)
    dh1 = dz2 @ W2
    dz1 = dh1 * (1 - h1**2)
    dx = dz1 @ W1
    assert np.allclose(stats.pre_activation_square, [z1.pow(2).mean(), z2.pow(2).mean()], rtol=1e-14)
    assert np.allclose(stats.input_grad_norm, [dx.norm(), dh1.norm(), G.norm()], rtol=1e-14)
    assert np.allclose(stats.weight_grad_norm, [(dz1.T @ x).norm(), (dz2.T @ h1).norm()], rtol=1e-14)


def test_unknown_activation_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        deep_stack(2, 1, "gelu", nn.init.xavier_normal_, seed=0)


def test_a_list_of_widths_gives_layers_out_by_in_and_gradients_of_each_width():
    stack = deep_stack([3, 5, 2], 2, "relu", nn.init.kaiming_normal_, seed=0)
    assert [tuple(layer.weight.shape) for layer in stack.layers] == [(5, 3), (2, 5)]
    x = torch.randn(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    grads = input_gradients(stack, x, seed=2)
    assert [tuple(g.shape) for g in grads] == [(4, 3), (4, 5), (4, 2)]
    W1, W2 = (layer.weight.detach() for layer in stack.layers)
    G = torch.randn(4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    z1 = x @ W1.T
    dh1 = (G * (z1.relu() @ W2.T > 0)) @ W2
    assert torch.allclose(grads[1], dh1, rtol=1e-14, atol=0)
    assert torch.allclose(grads[0], (dh1 * (z1 > 0)) @ W1, rtol=1e-14, atol=0)
    assert np.allclose(layer_statistics(stack, x, seed=2).input_grad_norm, [g.norm() for g in grads], rtol=1e-14)


def test_widths_must_fit_the_depth_and_a_residual_stack_one_width():
    with pytest.raises(ValueError, match="2 layers need 3 widths"):
        deep_stack([3, 5], 2, "relu", nn.init.kaiming_normal_, seed=0)
    with pytest.raises(ValueError, match="same width"):
        deep_stack([3, 5, 3], 2, "relu", nn.init.kaiming_normal_, seed=0, residual=True)
