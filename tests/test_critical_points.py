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


def test_classify_exact_zero_is_neither_sign():
    assert classify([sp.S.Zero, sp.Integer(1)]) == INCONCLUSIVE
    assert classify([sp.S.Zero, sp.Integer(-1)]) == INCONCLUSIVE


def test_classify_floats_and_tensors_use_the_tolerance():
    assert classify([1e-17, 1.0]) == LOCAL_MINIMUM
    assert classify([1e-17, 1.0], tol=1e-12) == INCONCLUSIVE
    assert classify([sp.Float(1e-17), sp.Float(1.0)], tol=1e-12) == INCONCLUSIVE  # SymPy floats too
    assert classify(torch.tensor([-1.0, 1.0], dtype=torch.float64)) == SADDLE_POINT


def test_classify_refuses_symbolic_signs_and_empty_input():
    with pytest.raises(ValueError, match="cannot decide the sign"):
        classify([x, 1])
    with pytest.raises(ValueError, match=r"^classify needs at least one eigenvalue$"):
        classify([])


def test_hessian_eigenvalues_are_sorted_with_multiplicity_and_need_a_symmetric_matrix():
    assert hessian_eigenvalues(-sp.eye(3)) == [-1, -1, -1]
    assert hessian_eigenvalues(sp.Matrix([[2, 1], [1, 2]])) == [1, 3]
    with pytest.raises(ValueError, match="symmetric"):
        hessian_eigenvalues(sp.Matrix([[0, 1], [0, 0]]))
    with pytest.raises(ValueError, match="square"):
        hessian_eigenvalues(sp.Matrix([[1, 2]]))


def test_eigenvalues_that_sympy_writes_with_i_are_sorted_and_classified():
    # The roots of this Hessian's characteristic cubic are real, but SymPy writes them with cube roots of
    # complex numbers; 50 digits decide their signs.
    eigenvalues = hessian_eigenvalues(sp.Matrix([[1, 1, 0], [1, 0, 1], [0, 1, 0]]))
    assert [round(float(sp.re(sp.N(v))), 6) for v in eigenvalues] == [-1.24698, 0.445042, 1.801938]
    assert classify(eigenvalues) == "saddle point"
    assert classify(hessian_eigenvalues(sp.Matrix([[3, 1, 1], [1, 3, 0], [1, 0, 2]]))) == "local minimum"
    # cos(π/7) + cos(3π/7) + cos(5π/7) = 1/2 exactly, which SymPy cannot prove: no sign is guessed for a zero.
    with pytest.raises(ValueError, match=r"0 or not real to 40 digits$"):
        classify([sp.cos(sp.pi / 7) + sp.cos(3 * sp.pi / 7) + sp.cos(5 * sp.pi / 7) - sp.Rational(1, 2)])


def test_eigenvalues_closer_than_a_float_can_tell_are_still_sorted():
    assert hessian_eigenvalues(sp.diag(1 + sp.Rational(1, 10**20), 1)) == [1, 1 + sp.Rational(1, 10**20)]


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


def test_critical_point_records_the_point_and_the_zero_gradient():
    found = critical_point(x**2 + y**4, [x, y], (0, sp.Rational(0)))
    assert found.point == (0, 0) and all(isinstance(p, sp.Integer) for p in found.point)
    assert found.gradient == sp.Matrix([0, 0])
    assert found.eigenvalues == (0, 2) and found.kind == INCONCLUSIVE  # y**4 is flat to second order


def test_critical_point_refuses_a_point_where_the_gradient_is_not_zero():
    with pytest.raises(ValueError, match="not a critical point"):
        critical_point(sp.sin(x) * sp.sin(y), [x, y], (sp.pi / 2, 0))
    with pytest.raises(ValueError, match="2 variables but the point has 1"):
        critical_point(x * y, [x, y], (0,))
