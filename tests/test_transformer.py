"""The hand-assembled transformer block against PyTorch's module; the new pieces' matrix forms against index forms."""

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
import torch

import derivations.transformer as transformer_forms
from derivations import StepError
from derivations.transformer import linear_forms, linear_gradients, linear_names, verify_forms
from experiments.transformer import (
    assert_gradients_match,
    block_backward,
    block_forward,
    block_gradients,
    compiled_pieces,
    encoder_layer,
    parameters_of,
    reference_gradients,
)

WIDTH, HEADS, HIDDEN = 12, 3, 20


@pytest.fixture(scope="module")
def block():
    layer = encoder_layer(WIDTH, HEADS, HIDDEN, seed=3)
    rng = np.random.default_rng(4)
    x, dy = rng.standard_normal((2, 5, WIDTH)), rng.standard_normal((2, 5, WIDTH))
    out, reference = reference_gradients(layer, x, dy)
    return parameters_of(layer), x, dy, out, reference


def assembled(block, pieces):
    params, x, dy, *_ = block
    y, cache = block_forward(x, params, HEADS)
    return y, block_backward(dy, cache, params, HEADS, pieces)


def test_the_forward_pass_is_the_modules(block):
    y, _ = assembled(block, compiled_pieces(WIDTH))
    np.testing.assert_allclose(y, block[3], rtol=1e-12, atol=1e-12)


def test_every_gradient_is_autograds(block):
    _, grads = assembled(block, compiled_pieces(WIDTH))
    errors = assert_gradients_match(grads, block[4])
    assert set(errors) == set(block[0]) | {"input"} and max(errors.values()) < 1e-12


def test_the_causal_mask_keeps_later_tokens_out_of_earlier_outputs(block):
    params, x, *_ = block
    changed = x.copy()
    changed[:, -1] += 1.0
    assert np.array_equal(block_forward(changed, params, HEADS)[0][:, :-1], block_forward(x, params, HEADS)[0][:, :-1])


BROKEN = {
    "dK without 1/√d": ("dK", lambda good: lambda dS, Q, d: good.dK(dS, Q, d) * np.sqrt(d), "in_proj_weight"),
    "dS without the rowsum": ("dS", lambda good: lambda P, dP, one: P * dP, "in_proj_weight"),
    "GELU′ as Φ alone": (
        "gelu_prime",
        lambda good: lambda z: good.gelu_prime(z) - z * np.exp(-(z**2) / 2) / np.sqrt(2 * np.pi),
        "linear1.weight",
    ),
    "layer norm without the x̂x̂ᵀ term": (
        "layer_norm_input",
        lambda good: (
            lambda g, xh, one, w, s: good.layer_norm_input(g, xh, one, w, s) + xh * (xh.T @ (w * g)) / (len(g) * s)
        ),
        "out_proj.weight",
    ),
    "bias gradient of one row": ("linear_bias", lambda good: lambda G, one: G[:1].T, "linear2.bias"),
}


@pytest.mark.parametrize("mistake", BROKEN)
def test_a_broken_piece_is_caught_and_named(block, mistake):
    piece, breaking, named = BROKEN[mistake]
    good = compiled_pieces(WIDTH)
    _, grads = assembled(block, replace(good, **{piece: breaking(good)}))
    with pytest.raises(AssertionError, match=named) as caught:
        assert_gradients_match(grads, block[4])
    assert "gradients disagree with autograd" in str(caught.value)


def test_the_heads_scale_by_their_own_width_not_the_models(block):
    good = compiled_pieces(WIDTH)
    wrong = replace(good, dQ=lambda dS, K, d: good.dQ(dS, K, WIDTH), dK=lambda dS, Q, d: good.dK(dS, Q, WIDTH))
    _, grads = assembled(block, wrong)
    rows_of = np.split(grads["self_attn.in_proj_weight"], 3)
    expected = np.split(block[4]["self_attn.in_proj_weight"], 3)
    for got, right in zip(rows_of[:2], expected[:2]):  # Q and K rows: scaled by √(d_head / d_model)
        np.testing.assert_allclose(got, right * np.sqrt((WIDTH // HEADS) / WIDTH), rtol=1e-10)
    np.testing.assert_allclose(rows_of[2], expected[2], rtol=1e-10)  # V rows: untouched by the scale


def test_one_head_cannot_tell_the_models_width_from_the_heads():
    good = compiled_pieces(6)
    wrong = replace(good, dQ=lambda dS, K, d: good.dQ(dS, K, 6), dK=lambda dS, Q, d: good.dK(dS, Q, 6))
    one_head = {"width": 6, "heads": 1, "hidden": 8, "batch": 1, "tokens": 4, "seed": 2}
    grads, reference = block_gradients(**one_head, pieces=wrong)
    assert max(assert_gradients_match(grads, reference).values()) < 1e-12
    grads, reference = block_gradients(**{**one_head, "heads": 2}, pieces=wrong)
    with pytest.raises(AssertionError, match="in_proj_weight"):
        assert_gradients_match(grads, reference)


@pytest.mark.parametrize("sizes", [(1, 1, 1), (2, 3, 2), (3, 2, 4)])
def test_the_new_matrix_forms_are_the_index_forms(sizes):
    verify_forms(sizes)


def test_a_wrong_matrix_form_is_refused(monkeypatch):
    def with_wrong_dW(sizes):  # XᵀG, the transpose of GᵀX: the same shape only when D_in = D_out
        named = linear_names(sizes)[0]
        return {**linear_forms(sizes), "dW": named["X"].T * named["G"]}

    monkeypatch.setattr(transformer_forms, "linear_forms", with_wrong_dW)
    with pytest.raises(StepError, match=r"entry \(1, 2\)"):  # the diagonal of XᵀG and GᵀX agree
        verify_forms((2, 2, 2))


def test_linear_gradients_are_autograds_through_f_linear():
    generator = torch.Generator().manual_seed(5)
    X, W, b, G = (
        torch.randn(*shape, generator=generator, dtype=torch.float64) for shape in ((4, 3), (2, 3), (2,), (4, 2))
    )
    leaves = [t.clone().requires_grad_() for t in (X, W, b)]
    expected = torch.autograd.grad((G * torch.nn.functional.linear(*leaves)).sum(), leaves)
    got = linear_gradients(*(sp.Matrix(t.tolist()) for t in (G, X, W)))
    for claimed, reference in zip(got, expected):
        np.testing.assert_allclose(
            np.array(claimed.tolist(), dtype=float).reshape(reference.shape), reference, rtol=1e-12
        )
