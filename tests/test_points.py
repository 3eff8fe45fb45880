"""Random points: seeded, drawn from the range a symbol's assumptions give, and kept clear of kinks."""

import pytest
import sympy as sp

from checks.points import KINK_MARGIN, clear_of_kinks, kink_expressions, sample_points, symbol_range
from tests.helpers import message

x, y, z = sp.symbols("x y z", real=True)


def test_kink_expressions_exactly():
    expr = (
        sp.Abs(x)
        + sp.sign(y)
        + sp.Heaviside(x - 1)
        + sp.DiracDelta(y + 2)
        + sp.Max(x, y, 0)
        + sp.Min(x, 3 * y)
        + sp.Piecewise((x, x < 3), (y, True))
        + sp.Abs(x)  # repeated: listed once
    )
    found = kink_expressions([expr, sp.Matrix([sp.Abs(z), sp.Heaviside(sp.Integer(2))])])
    assert set(found) == {x, y, x - 1, y + 2, x - y, -x, -y, x - 3 * y, x - 3, z}
    assert len(found) == len(set(found))  # no duplicates, and no constant (Heaviside(2) has no kink)
    assert kink_expressions([sp.Abs(x)]) == [x] and kink_expressions([x**2]) == []


@pytest.mark.parametrize(
    ("assumptions", "expected"),
    [
        ({"integer": True}, (1, 4)),
        ({"positive": True}, (0.25, 2.5)),
        ({"nonnegative": True}, (0.25, 2.5)),
        ({"negative": True}, (-2.5, -0.25)),
        ({"nonpositive": True}, (-2.5, -0.25)),
        ({"real": True}, (-2.0, 2.0)),
    ],
)
def test_symbol_ranges(assumptions, expected):
    assert symbol_range(sp.Symbol("s", **assumptions)) == expected


def test_sample_points_are_seeded_and_drawn_from_each_symbols_range():
    n = sp.Symbol("n", integer=True, positive=True)
    p = sp.Symbol("p", positive=True)
    drawn = sample_points([x, n, p], 200, seed=5)
    assert len(drawn) == 200 and all(set(d) == {x, n, p} for d in drawn)
    assert {d[n] for d in drawn} == {1.0, 2.0, 3.0, 4.0}  # the integer range is closed
    assert all(0.25 <= d[p] < 2.5 and -2 <= d[x] < 2 for d in drawn)
    assert len({d[x] for d in drawn}) == 200  # uniform draws, never repeated
    assert sample_points([x, n, p], 200, seed=5) == drawn
    assert sample_points([x], 3) == sample_points([x], 3, seed=0) != sample_points([x], 3, seed=6)


def test_sample_points_domain_and_kinks():
    drawn = sample_points([x], 50, seed=0, domain={x: (-0.01, 0.01)}, avoid=[x, y, sp.Integer(0)])
    assert all(1e-3 <= abs(d[x]) <= 0.01 for d in drawn)  # kinks in y or constant ones are ignored
    assert message(ValueError, sample_points, [x], 1, domain={y: (0, 1)}) == (
        "domain names symbols that are not being sampled: ['y']"
    )
    assert message(ValueError, sample_points, [x], 1, domain={x: (0, 1e-4)}, avoid=[x]) == (
        "no point at least 0.001 away from the kinks [x] in 1000 draws; pass a domain that avoids them, "
        "or avoid_kinks=False"
    )
    # a kink that cannot be evaluated at a point counts as hit: the point is redrawn
    assert all(d[x] > 0 for d in sample_points([x], 20, seed=0, avoid=[sp.log(x)]))


def test_clear_of_kinks():
    assert clear_of_kinks(lambda: [KINK_MARGIN, -KINK_MARGIN], []) is True
    assert clear_of_kinks(lambda: [KINK_MARGIN, KINK_MARGIN / 2], []) is False
    assert clear_of_kinks(lambda: [1 / 0.0], []) is False
    assert clear_of_kinks(None, [0.0]) is True
    assert clear_of_kinks(lambda v: [1 / float(v)], [0.0]) is False  # cannot be evaluated: treated as a kink


def test_a_symbol_is_named_as_the_page_prints_it():
    from checks.points import symbol_name

    X, o = sp.IndexedBase("X"), sp.IndexedBase("o")
    names = ["w_1", "W1_{2,3}", "theta_t", "varepsilon", "beta_2", "Sigma", "Eta", "x"]
    assert [symbol_name(sp.Symbol(name)) for name in names] == ["w_1", "W1_{2,3}", "θ_t", "ε", "β_2", "Σ", "Eta", "x"]
    assert (symbol_name(X[1, 2]), symbol_name(o[3]), symbol_name(o[12])) == ("X_{1,2}", "o_3", "o_{12}")


def test_a_point_is_written_name_equals_value_and_a_large_matrix_shortened():
    from checks.points import describe_point

    a, b = sp.symbols("alpha b_1")
    assert describe_point({a: -0.000123456, b: 2.0}) == "α = -0.0001235, b_1 = 2"
    assert describe_point({a: 1e-12, b: 12345678.0}, digits=3) == "α = 1e-12, b_1 = 1.23e+7"
    W = [sp.Symbol(f"W_{{1,{k}}}") for k in range(1, 9)]
    point = {w: float(k) for k, w in enumerate(W, start=1)}
    assert describe_point(point, matrices=[W]) == "W_{1,1} = 1, W_{1,2} = 2, W_{1,3} = 3, …, W_{1,8} = 8"
    assert describe_point(point, matrices=[W], keep=[W[4]]) == (
        "W_{1,1} = 1, W_{1,2} = 2, W_{1,3} = 3, …, W_{1,5} = 5, …, W_{1,8} = 8"
    )
    assert describe_point(point, matrices=[W[:6]]) == ", ".join(f"W_{{1,{k}}} = {k}" for k in range(1, 9))
