"""Failures shown on purpose: expect_failure swallows the failure it expects, and counterexample() reads back
what a failed check or derivation step found."""

import pytest
import sympy as sp
import torch

from checks import GradientMismatch, check_gradient, check_jacobian, ledger
from checks.expected import expect_failure
from checks.failures import Counterexample, counterexample
from derivations import Derivation, StepError, vector_symbols, verify_equal
from tests.helpers import square


def test_gradient_mismatch_at_an_explicit_point() -> None:
    w, x = sp.symbols("w x", real=True)
    with pytest.raises(GradientMismatch) as caught:
        check_gradient(lambda a, b: torch.sigmoid(a * b), [-x / 4, x / 4], [w, x], at=[{w: 0, x: 2}], name="σ")
    found = counterexample(caught.value)
    # the entry with the largest error is reported: ∂σ/∂w = x σ'(0) = 1/2, claimed −1/2
    assert found == Counterexample(quantity="∂σ/∂w", point="w = 0, x = 2", claimed=-0.5, correct=0.5)
    assert found.at == {w: 0.0, x: 2.0}


def test_jacobian_mismatch_names_the_matrix_entry() -> None:
    xs = vector_symbols("x", 2)
    with pytest.raises(GradientMismatch) as caught:
        check_jacobian(lambda t: 2 * t, 3 * sp.eye(2), [xs], trials=1)
    found = counterexample(caught.value)
    assert found.quantity == "∂f_1/∂x_1"
    assert (found.claimed, found.correct) == (3.0, 2.0)
    assert found.point == "x_1 = 0.5478, x_2 = -0.9209"
    assert list(found.at) == list(xs)


def test_failed_derivation_step() -> None:
    x = sp.Symbol("x", positive=True)
    derivation = Derivation(sp.Derivative(sp.log(x), x), name="d log x/dx")
    with pytest.raises(StepError) as caught:
        derivation.step(-1 / x, "a sign error")
    found = counterexample(caught.value)
    assert found.quantity == "d log x/dx"
    assert found.point.startswith("x = ")
    value = found.at[x]
    assert found.correct == pytest.approx(1 / value, rel=1e-12)
    assert found.claimed == pytest.approx(-1 / value, rel=1e-12)


def test_derivation_name_with_a_quote_and_a_matrix_entry() -> None:
    x = sp.Symbol("x", real=True)
    derivation = Derivation(sp.Matrix([x, 2 * x]), name="f'")
    with pytest.raises(StepError) as caught:
        derivation.step(sp.Matrix([x, 3 * x]), "wrong second entry")
    found = counterexample(caught.value)
    assert found.quantity == "f'"
    assert "entry" not in found.point
    assert found.claimed == pytest.approx(1.5 * found.correct, rel=1e-12)


def test_an_error_without_a_counterexample_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        counterexample(AssertionError("something else went wrong"))
    assert str(refused.value) == "no counterexample in this AssertionError: 'something else went wrong'"
    with pytest.raises(ValueError) as refused:
        counterexample(StepError("a long message " + "x" * 300))
    assert str(refused.value) == "no counterexample in this StepError: " + repr(("a long message " + "x" * 300)[:200])


def test_an_unnamed_identity_is_reported_as_identity() -> None:
    x = sp.Symbol("x", real=True)
    with pytest.raises(StepError) as caught:
        verify_equal(sp.sin(x) ** 2, 1 + sp.cos(x) ** 2)
    found = counterexample(caught.value)
    assert found.quantity == "identity"
    assert found.correct == pytest.approx(float(sp.sin(found.at[x]) ** 2), rel=1e-12)


def test_reads_what_expect_failure_caught() -> None:
    x = sp.Symbol("x", real=True)
    with expect_failure(GradientMismatch, match="∂f/∂x") as caught:
        check_gradient(lambda t: t**2, [3 * x], [x], at=[{x: 1}])
    assert counterexample(caught) == Counterexample(quantity="∂f/∂x", point="x = 1", claimed=3.0, correct=2.0)


def test_expect_failure_catches_records_and_rejects(tmp_path, monkeypatch):
    x = sp.Symbol("x", real=True)
    for variable, value in [
        (ledger.LEDGER_DIR_ENV, str(tmp_path)),
        (ledger.CHAPTER_ENV, "book/x"),
        (ledger.CODE_HASH_ENV, "h"),
    ]:
        monkeypatch.setenv(variable, value)
    with expect_failure(match="∂f/∂x") as caught:
        check_gradient(square, [3 * x], [x])
    assert type(caught.error) is GradientMismatch and str(caught) == str(caught.error)
    with pytest.raises(GradientMismatch):
        check_gradient(square, [3 * x], [x])  # after the block, a failure is a failure again
    assert [r.expected_failure for r in ledger.read_ledger(tmp_path, "h") if isinstance(r, ledger.Check)] == [
        True,
        False,
    ]
    with pytest.raises(AssertionError) as passed:
        with expect_failure(ValueError):
            pass
    assert str(passed.value) == "expected the block to fail with ValueError, but it passed"
    with pytest.raises(AssertionError) as unmatched:
        with expect_failure(match="zzz"):
            raise AssertionError("boom")
    assert str(unmatched.value) == "the block failed, but its message lacks 'zzz': boom"
    with pytest.raises(KeyError):
        with expect_failure(ValueError):
            raise KeyError("other kinds pass through")


def test_a_caught_failure_reads_as_one_message_in_the_page_and_in_text():
    """The page shows the kind and the message, escaped, in the box page.css styles; never a traceback."""
    with expect_failure(ValueError) as caught:
        raise ValueError("at x = 1: claimed <b>3</b> & got 2")
    assert caught._repr_html_() == (
        '<div class="caught-failure" role="note"><p class="caught-failure-title">Caught, as intended: '
        "<code>ValueError</code></p><pre>at x\u00a0=\u00a01: claimed &lt;b&gt;3&lt;/b&gt; &amp; got 2</pre></div>"
    )
    assert repr(caught) == "Caught, as intended: ValueError\nat x = 1: claimed <b>3</b> & got 2"


def test_numbers_in_messages_are_short_tokens_with_a_plain_minus():
    from checks.failures import digits_to_tell_apart, number

    assert [number(v) for v in (-0.5, 1e-9, 2.5e12, 0.00390625, 1 / 3, float("nan"), float("-inf"))] == [
        "-0.5", "1e-9", "2.5e+12", "0.00390625", "0.333333", "nan", "-inf"
    ]  # fmt: skip
    assert number(-1 / 3, 3) == "-0.333"
    # enough digits to see two values differ, and no more: 6 at least, 17 at most
    assert [digits_to_tell_apart(*pair) for pair in [(0.9, 0.6), (1.0, 1.0 + 1e-8), (1.0, 1.0), (0.0, 1e-300)]] == [
        6, 11, 6, 6
    ]  # fmt: skip
    assert digits_to_tell_apart(1.0, float.fromhex("0x1.0000000000001p+0")) == 17


def test_a_caught_failure_keeps_each_name_with_its_value_on_one_line_in_the_page():
    """The page wraps between words: ``θ = -1.934``, ``(1, 2)`` and ``∂f/∂W`` are kept whole; the text is not."""
    message = "at θ = -1.934, ε = 2.08, entry (1, 2): expected 1, got 2; ∂f/∂W_{1,2}, 3 more of 4 (seed 0)"
    with expect_failure(ValueError) as caught:
        raise ValueError(message)
    page = caught._repr_html_()
    assert "at θ\u00a0=\u00a0-1.934, ε\u00a0=\u00a02.08, entry (1,\u00a02): expected 1, got 2; " in page
    assert "∂f/\u2060∂W_{1,2}, 3 more of 4 (seed 0)</pre>" in page
    assert str(caught) == message and "\u00a0" not in repr(caught) and "\u2060" not in repr(caught)
