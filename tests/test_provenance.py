"""Provenance: a check records the displays its claim was built from, and only those."""

import numpy as np
import pytest
import sympy as sp
import torch

from checks import assert_close, check_gradient, ledger, provenance
from derivations import Derivation, Equation, glue, instantiate, vector_symbols, verify_equal
from derivations.compact import CompactDerivation, expand_meaning
from tests.helpers import recorded

x, y = sp.symbols("x y", real=True)


@pytest.fixture(autouse=True)
def fresh():
    provenance.forget()
    yield
    provenance.forget()


@pytest.fixture
def records(monkeypatch):
    """Every check recorded, instead of written to the ledger."""
    return recorded(monkeypatch, ledger.Check)


def test_a_display_is_followed_through_sympys_operations():
    shown = sp.exp(x) * sp.sin(y)
    provenance.register("eq-f", shown)
    assert provenance.origins(shown.subs(x, 2)) == {"eq-f"}
    assert provenance.origins(shown.xreplace({y: x}).doit()) == {"eq-f"}
    assert provenance.origins(shown.rewrite(sp.cos)) == {"eq-f"}
    assert provenance.origins(shown.replace(sp.sin, sp.cos)) == {"eq-f"}
    assert provenance.origins(float(shown.subs({x: 0.3, y: 0.7}))) == {"eq-f"}
    assert provenance.origins(sp.lambdify((x, y), shown)(0.3, 0.9)) == {"eq-f"}
    assert provenance.origins(shown.evalf(30, subs={x: 1.1, y: 2.0})) == {"eq-f"}
    assert provenance.origins(sp.cos(x)) == frozenset()


def test_carry_links_a_result_to_the_displays_its_sources_came_from():
    shown = sp.exp(x) + y
    provenance.register("eq-g", shown)
    bound = sp.Symbol("b") * 3  # built from the display by hand (as solving an inequality for a rate is)
    assert provenance.carry(bound, shown.subs(y, 1), 2.5) is bound
    assert provenance.origins(bound) == {"eq-g"}
    loose = sp.Symbol("c") + 7
    provenance.carry(loose, sp.cos(x), 0.123)  # sources from no display, and a plain number, link nothing
    assert provenance.origins(loose) == frozenset()


def test_a_matrix_claim_is_linked_through_its_entries_and_a_tensor_through_its_values():
    shown = sp.Matrix([sp.exp(x), sp.sin(x)])
    provenance.register("eq-m", shown)
    at = shown.T.subs(x, 0.25)
    assert provenance.origins(sp.Matrix([at[0], at[1]])) == {"eq-m"}
    assert provenance.origins(torch.tensor([float(v) for v in at], dtype=torch.float64)) == {"eq-m"}
    # A tensor with a value of its own among the display's is not the display's.
    assert provenance.origins(torch.tensor([float(at[0]), 0.123456789], dtype=torch.float64)) == frozenset()


def test_the_books_routes_carry_the_link():
    n = sp.Symbol("n", integer=True, positive=True)
    i, k = sp.symbols("i k", integer=True, positive=True)
    xb = sp.IndexedBase("x")
    softmax = sp.exp(xb[i]) / sp.Sum(sp.exp(xb[k]), (k, 1, n))
    provenance.register("eq-softmax", softmax)
    assert provenance.origins(instantiate(softmax, {n: 3, i: 2}, {xb: vector_symbols("x", 3)})) == {"eq-softmax"}
    a = sp.MatrixSymbol("a", 2, 1)
    provenance.register("eq-compact", 2 * a)
    assert provenance.origins(expand_meaning(2 * a, {a: sp.Matrix([x, y])})) == {"eq-compact"}


def test_a_retyped_claim_is_linked_only_while_it_equals_the_display():
    provenance.register("eq-d", 2 * sp.sin(x) * sp.cos(x))
    assert provenance.origins(2 * sp.sin(x) * sp.cos(x)) == {"eq-d"}  # the same formula, typed again
    provenance.forget()
    provenance.register("eq-d", 2 * sp.sin(x) * sp.sin(x))  # the display changes (a slip) ...
    assert provenance.origins(2 * sp.sin(x) * sp.cos(x)) == frozenset()  # ... and the retyped claim is unlinked


def test_checks_record_the_displays_they_consumed_and_whether_the_reference_is_independent(records):
    derivation = Derivation(sp.Derivative(sp.sin(x) ** 2, x), name="d").step(2 * sp.sin(x) * sp.cos(x), "chain rule")
    provenance.register("eq-d", derivation.result)
    records.clear()
    check_gradient(lambda t: torch.sin(t) ** 2, [derivation.result], [x])
    assert records[-1].displays == ("eq-d",) and records[-1].independent is True
    check_gradient(lambda t: torch.sin(t) ** 2, [sp.sin(2 * x)], [x])
    assert records[-1].displays == ()
    verify_equal(derivation.result, sp.sin(2 * x), name="double angle")
    assert records[-1].displays == ("eq-d",)
    value = derivation.result.subs(x, 0.7)
    assert_close(torch.sin(torch.tensor(0.7, dtype=torch.float64)) ** 2 * 0 + np.sin(1.4), value, name="v")
    assert (records[-1].passed, records[-1].displays, records[-1].independent) == (True, ("eq-d",), True)
    assert_close(value, derivation.result.subs(x, 0.7), name="the display against itself")
    assert records[-1].independent is False


def test_a_shape_pytorch_returns_is_its_own_and_so_an_independent_reference(records):
    # An output size is a whole number: PyTorch's shape equals the display's value whenever both are right.
    provenance.register("eq-size", sp.floor((x + 2) / 2) + 1)
    predicted = (sp.floor((x + 2) / 2) + 1).subs(x, 52)
    shape = torch.zeros(28, 28).shape
    assert provenance.origins(predicted) == {"eq-size"}
    assert provenance.origins(tuple(shape)) == {"eq-size"}, "28 is matched by its value"
    assert provenance.origins(shape) == provenance.origins([shape, shape[-1:]]) == frozenset()
    assert_close([predicted], [shape[-1]], name="n_out")  # an int taken out of the shape is matched again
    assert_close([(predicted, predicted)], [shape], name="n_out")
    assert [(c.displays, c.independent) for c in records] == [(("eq-size",), False), (("eq-size",), True)]


def test_glue_registers_a_sympy_display_and_records_its_kind_and_steps(monkeypatch):
    displays, glued = recorded(monkeypatch, ledger.Display), []
    monkeypatch.setattr("myst_nb.glue", lambda key, obj, display: glued.append(key))
    d = Derivation(sp.Derivative(x**3, x), name="d").step(3 * x**2, "power rule")
    glue("eq-power", d)
    glue("eq-def", Equation("f(x)", x**3), kind="definition")
    glue("a-number", 42)
    assert displays == [
        ledger.Display(key="eq-power", kind="derived", steps=(ledger.Method.SYMBOLIC,)),
        ledger.Display(key="eq-def", kind="definition"),
    ]
    assert glued == ["eq-power", "eq-def", "a-number"]
    assert provenance.origins(3 * x**2) == {"eq-power"}
    with pytest.raises(ValueError, match="kind must be one of derived, definition, mistake"):
        glue("eq-x", x, kind="lemma")


def test_a_compact_derivation_links_its_shown_and_its_explicit_result(monkeypatch):
    monkeypatch.setattr("myst_nb.glue", lambda key, obj, display: None)
    a = sp.MatrixSymbol("a", 2, 1)
    meaning = {a: sp.Matrix([x, y])}
    d = CompactDerivation(sp.MatAdd(a, a, evaluate=False), name="c", meaning=meaning).step(2 * a, "collect")
    glue("eq-c", d)
    assert provenance.origins(expand_meaning(d.shown_result, meaning)) == {"eq-c"}
    assert provenance.origins(d.result) == {"eq-c"}


def test_a_matrix_of_plain_numbers_is_matched_as_a_whole_and_never_by_a_tensor():
    hessian_at_saddle = sp.Matrix([[0, 1], [1, 0]])
    provenance.register("eq-h", hessian_at_saddle)
    assert provenance.origins(sp.Matrix([[0, 1], [1, 0]])) == {"eq-h"}  # matched by its exact value
    assert provenance.origins(sp.ImmutableMatrix([[0, 1], [1, 0]]).subs(x, 1)) == {"eq-h"}
    assert provenance.origins(sp.Matrix([[0, 1], [1, 1]])) == frozenset()  # another matrix of plain numbers
    assert provenance.origins(sp.Matrix([[0, 1]])) == frozenset()
    assert provenance.origins(torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)) == frozenset()
    provenance.register("eq-one", sp.Matrix([1]))  # a single plain number is never matched, alone or in a 1 × 1
    assert provenance.origins(sp.Matrix([1])) == frozenset()


def test_a_derivative_of_a_display_is_built_from_it():
    quadratic = x * y**2 + x**2 / 3
    provenance.register("eq-q", quadratic)
    assert provenance.origins(quadratic.diff(x)) == {"eq-q"}
    assert provenance.origins(sp.diff(quadratic, y)) == {"eq-q"}
    assert provenance.origins(sp.Matrix([quadratic]).jacobian([x, y])) == {"eq-q"}  # built with diff
    assert provenance.origins(sp.diff(x**2 / 3, x)) == frozenset()  # not the display


def test_a_bare_symbol_is_never_matched():
    provenance.register("eq-xy", x * y)
    assert provenance.origins((x * y).diff(y)) == frozenset()  # x, which any claim may contain
    assert provenance.origins(sp.Matrix([x, y])) == frozenset()
    assert provenance.origins((x * y).subs(y, 3)) == {"eq-xy"}  # 3x is still built from the display


def test_a_tensor_against_a_display_is_independent_even_when_its_value_is_the_displays(records):
    shown = sp.exp(x) / 4
    provenance.register("eq-e", shown)
    claimed = shown.subs(x, 0.5)
    computed = torch.exp(torch.tensor(0.5, dtype=torch.float64)) / 4  # to the last bit the display's value
    assert provenance.origins(computed) == {"eq-e"}
    assert_close(computed, claimed, name="e^x/4")
    assert records[-1].independent is True
    assert_close(float(claimed), claimed, name="the display against itself")
    assert records[-1].independent is False


def test_a_derivation_is_linked_by_both_ends_of_its_chain(monkeypatch):
    recorded(monkeypatch, ledger.Display)
    monkeypatch.setattr("myst_nb.glue", lambda key, obj, display: None)
    g, b = sp.symbols("g beta_1", positive=True)
    d = Derivation((1 - b) * (g + b * g) / (1 - b**2), name="m̂₂").step(g, "1 - β² = (1 - β)(1 + β)")
    glue("eq-chain", d)
    assert provenance.origins(d.steps[0].expr.subs({g: 0.37, b: 0.9})) == {"eq-chain"}  # its result, g, is bare
