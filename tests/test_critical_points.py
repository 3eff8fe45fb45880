"""The second-derivative test decides exactly, refuses what it cannot decide, and the Taylor polynomial is right."""

import pytest
import sympy as sp
import torch

from derivations.critical_points import (
    CONCAVITY,
    INCONCLUSIVE,
    LOCAL_MAXIMUM,
    LOCAL_MINIMUM,
    SADDLE_POINT,
    classify,
    critical_point,
    hessian_eigenvalues,
    quadratic_approximation,
)

x, y, z = sp.symbols("x y z", real=True)


@pytest.mark.parametrize(
    ("eigenvalues", "kind"),
    [
        ([1, 2], LOCAL_MINIMUM),
        ([-1, -sp.Rational(1, 3)], LOCAL_MAXIMUM),
        ([-1, 1], SADDLE_POINT),
        ([-1, 0, 1], SADDLE_POINT),  # a sign change decides even with a zero eigenvalue
        ([0, 1], INCONCLUSIVE),
        ([0, 0], INCONCLUSIVE),
        ([sp.sqrt(2) - 1, 3], LOCAL_MINIMUM),  # exact irrational signs
    ],
)
def test_classify_exact_eigenvalues(eigenvalues, kind):
    assert classify(eigenvalues) == kind


def test_classify_floats_and_tensors_use_the_tolerance():
    assert classify([1e-17, 1.0]) == LOCAL_MINIMUM
    assert classify([1e-17, 1.0], tol=1e-12) == INCONCLUSIVE
    assert classify(torch.tensor([-1.0, 1.0], dtype=torch.float64)) == SADDLE_POINT


def test_classify_refuses_symbolic_signs_and_empty_input():
    with pytest.raises(ValueError, match="cannot decide the sign"):
        classify([x, 1])
    with pytest.raises(ValueError, match="at least one eigenvalue"):
        classify([])


def test_hessian_eigenvalues_are_sorted_with_multiplicity_and_need_a_symmetric_matrix():
    assert hessian_eigenvalues(-sp.eye(3)) == [-1, -1, -1]
    assert hessian_eigenvalues(sp.Matrix([[2, 1], [1, 2]])) == [1, 3]
    with pytest.raises(ValueError, match="symmetric"):
        hessian_eigenvalues(sp.Matrix([[0, 1], [0, 0]]))
    with pytest.raises(ValueError, match="square"):
        hessian_eigenvalues(sp.Matrix([[1, 2]]))


def test_quadratic_approximation_is_the_second_order_taylor_polynomial():
    f = sp.exp(x) * sp.cos(y) + x * y * z
    point = [sp.Rational(1, 2), sp.pi / 3, 1]
    q = quadratic_approximation(f, [x, y, z], point)
    h, s, t, u = sp.symbols("h s t u", real=True)
    along = {x: point[0] + h * s, y: point[1] + h * t, z: point[2] + h * u}
    taylor = sp.series(f.subs(along), h, 0, 3).removeO()
    assert sp.simplify(sp.expand(taylor - q.subs(along))) == 0


def test_quadratic_approximation_keeps_squares_unexpanded():
    q = quadratic_approximation(sp.sin(x) * sp.sin(y), [x, y], [sp.pi / 2, sp.pi / 2])
    assert q == 1 - (x - sp.pi / 2) ** 2 / 2 - (y - sp.pi / 2) ** 2 / 2


def test_critical_point_of_sin_x_sin_y():
    f = sp.sin(x) * sp.sin(y)
    saddle = critical_point(f, [x, y], (0, 0))
    assert saddle.hessian == sp.Matrix([[0, 1], [1, 0]])
    assert saddle.eigenvalues == (-1, 1)
    assert (saddle.kind, saddle.concavity) == (SADDLE_POINT, CONCAVITY[SADDLE_POINT])
    assert (saddle.value, saddle.quadratic) == (0, x * y)
    assert critical_point(f, [x, y], (sp.pi / 2, -sp.pi / 2)).kind == LOCAL_MINIMUM


def test_critical_point_refuses_a_point_where_the_gradient_is_not_zero():
    with pytest.raises(ValueError, match="not a critical point"):
        critical_point(sp.sin(x) * sp.sin(y), [x, y], (sp.pi / 2, 0))
    with pytest.raises(ValueError, match="2 variables but the point has 1"):
        critical_point(x * y, [x, y], (0,))
