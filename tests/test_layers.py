"""The helpers of the layer chapters: indexed names are verified through their meaning, and a wrong step is refused."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations import StepError, latex
from derivations.layers import IndexedCompactDerivation, expand_indexed, ones

m = sp.Symbol("m", integer=True, positive=True)
i, j, k = sp.symbols("i j k", integer=True, positive=True)
x, xhat = sp.IndexedBase("x", real=True), sp.IndexedBase(r"\hat{x}", real=True)
mu = sp.Symbol("mu", real=True)
meaning = {mu: sp.Sum(x[k], (k, 1, m)) / m}
indexed = {xhat: lambda index: x[index] - mu}


def centred_sum() -> IndexedCompactDerivation:
    return IndexedCompactDerivation(
        sp.Sum(xhat[i], (i, 1, m)), name="Σ x̂", indices={j: m}, meaning=meaning, indexed=indexed
    )


def test_a_step_with_indexed_names_is_verified_through_their_meaning():
    d = centred_sum().step(sp.Sum(x[i], (i, 1, m)) - m * mu, "sum term by term").step(sp.Integer(0), "the mean")
    assert d.result == 0 and d.shown_result == 0
    assert r"\hat{x}" in d.latex()


def test_indexed_steps_are_verified_by_evaluation_unless_a_proof_is_asked_for():
    assert centred_sum().prove is False
    proved = IndexedCompactDerivation(sp.Integer(0), name="0", meaning={}, indexed={}, prove=True, seed=3)
    assert proved.prove is True and proved.seed == 3


def test_a_wrong_step_with_indexed_names_is_refused():
    with pytest.raises(StepError, match="Σ x̂"):
        centred_sum().step(sp.Sum(x[i], (i, 1, m)), "forgets the mean")


def test_expand_indexed_leaves_other_indexed_names_alone():
    assert expand_indexed(x[j] + xhat[j], indexed) == 2 * x[j] - mu


def test_ones_survives_an_outer_product():
    assert ones(3).shape == (3, 1)
    assert latex(ones(3) * ones(3).T) == r"\mathbf{1} \mathbf{1}^{\top}"
    assert (ones(3) * ones(3).T).subs(ones(3), sp.ones(3, 1)).doit() == sp.ones(3, 3)


def test_normalized_has_zero_mean_and_the_biased_variance():
    from derivations.layers import normalized

    xs = sp.Matrix([1, 2, 6])
    xhat, s = normalized(xs, sp.Integer(0))
    assert sum(xhat) == 0 and sp.simplify(sum(e**2 for e in xhat)) == 3
    assert s == sp.sqrt(sp.Rational(42, 9))
    assert normalized(xs, sp.Integer(0), correction=1)[1] == sp.sqrt(7)
    assert normalized(xs, sp.Integer(0), center=False)[1] == sp.sqrt(sp.Rational(41, 3))
    assert normalized(xs, sp.Integer(1))[1] == sp.sqrt(sp.Rational(42, 9) + 1)  # ε is added under the root


def test_a_module_under_a_random_upstream_gradient_gives_its_backward_pass():
    import torch

    from checks.layers import weighted_by, with_parameters

    torch.manual_seed(0)
    module = torch.nn.LayerNorm(3, dtype=torch.float64)
    G, x = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    gamma, beta = torch.randn(3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    loss = weighted_by(G, with_parameters(module, ["weight", "bias"]))(x, gamma.reshape(1, 3), beta.reshape(1, 3))
    reference = torch.nn.functional.layer_norm(x, (3,), gamma, beta)
    expected = torch.autograd.grad((G * reference).sum(), x)[0]
    assert torch.allclose(torch.autograd.grad(loss, x)[0], expected)
