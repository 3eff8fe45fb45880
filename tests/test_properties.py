"""Property-based tests of the checks themselves: right derivatives always pass, perturbed ones always fail.

One random expression tree of the book's building blocks (exp, log of positive things, sigmoid, tanh,
ReLU, softplus, polynomials, sums over a vector) is turned into two independent implementations: a SymPy
expression (built with SymPy operations, differentiated by SymPy) and a torch function (built with torch
operations, differentiated by autograd). The properties:

* SymPy's gradient of a random expression passes :func:`check_gradient`; its Hessian passes
  :func:`check_hessian`;
* the gradient perturbed (one entry's sign flipped, one additive term dropped, two entries swapped,
  scaled by 1 ± 1e-6) fails with :class:`GradientMismatch`, whenever the perturbation changes the
  value at the points the check evaluates (the test computes those points with :mod:`checks.points`,
  exactly as the check does, and discards perturbations that are zero there);
* :class:`Derivation` accepts equal rewrites (expand, factor, together, rewrite(exp), trigsimp) and rejects
  perturbed ones (+1e-20, × (1 + 1e-25), a sign flip) with :class:`StepError`.

Every property runs a fixed, derandomized set of examples (`--hypothesis-show-statistics` lists them).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checks import GradientMismatch, check_gradient, check_hessian
from checks.points import kink_expressions, sample_points
from derivations import Derivation, StepError, vector_symbols

A, B = sp.symbols("a b", real=True)
P = sp.Symbol("p", positive=True)
XS = vector_symbols("x", 3)
SCALARS = {"a": A, "b": B, "p": P}
#: The order of wrt (and of fn's arguments) in the gradient properties.
WRT = [A, B, P, XS]
FLAT = [A, B, P, *XS]
TRIALS = 5  # check_gradient's default number of random points

#: Constants of the grammar: exact in SymPy, the same float in torch.
CONSTANTS = [sp.Rational(c) for c in ("-2", "-1", "-1/2", "1/3", "1/2", "1", "2", "3")]
#: Largest |value| a subtree may reach where it feeds exp or softplus (keeps float64 far from overflow,
#: and softplus below torch's linear threshold of 20).
EXP_BOUND = 6.0
#: Largest |value| of a whole expression.
TOTAL_BOUND = 400.0
#: Largest |value| of a ReLU's argument's building blocks: keeps the kink's slope moderate, so that a
#: finite-difference step from a point KINK_MARGIN away from the kink never crosses it.
RELU_BOUND = 6.0

UNARY = ["exp", "log1p_sq", "softplus", "log_softplus", "sigmoid", "tanh", "relu", "poly"]
SETTINGS = {"deadline": None, "derandomize": True, "suppress_health_check": list(HealthCheck)}


# ---------------------------------------------------------------------------- the grammar


def bound(tree: tuple) -> float:
    """An upper bound on |value| of a tree over the sampling ranges (|a|, |b| < 2, p < 2.5, |x_k| < 2)."""
    kind = tree[0]
    if kind in ("var", "elem"):
        return 2.5
    if kind == "const":
        return abs(float(tree[1]))
    if kind == "poly":
        c0, c1, c2 = (abs(float(c)) for c in tree[1])
        u = bound(tree[2])
        return c0 + c1 * u + c2 * u * u
    if kind == "add":
        return bound(tree[1]) + bound(tree[2])
    if kind == "mul":
        return bound(tree[1]) * bound(tree[2])
    if kind == "vsum":
        return len(XS) * bound(tree[1])
    u = bound(tree[1])
    return {
        "exp": math.exp(min(u, 700)),
        "log1p_sq": math.log1p(u * u),
        "softplus": u + math.log(2),
        "log_softplus": max(abs(math.log(math.log1p(math.exp(-min(u, 700))))), math.log(u + math.log(2))),
        "sigmoid": 1.0,
        "tanh": 1.0,
        "relu": u,
    }[kind]


def well_conditioned(tree: tuple) -> bool:
    """exp and softplus get bounded arguments, ReLU a moderate one, the whole a bounded value."""
    kind = tree[0]
    children = [c for c in tree[1:] if isinstance(c, tuple) and c and isinstance(c[0], str)]
    if kind in ("exp", "softplus", "log_softplus") and bound(tree[1]) > EXP_BOUND:
        return False
    if kind == "relu" and bound(tree[1]) > RELU_BOUND:
        return False
    return all(well_conditioned(c) for c in children)


def trees(depth: int, *, variables: tuple[str, ...], vector: bool, in_sum: bool = False) -> st.SearchStrategy:
    """Random expression trees; ``("elem",)`` is the running entry of the vector inside a ``vsum``."""
    leaves = [
        st.sampled_from(variables).map(lambda v: ("var", v)),
        st.sampled_from(CONSTANTS).map(lambda c: ("const", c)),
    ]
    if in_sum:
        leaves.insert(0, st.just(("elem",)))
    leaf = st.one_of(*leaves)
    if depth == 0:
        return leaf
    child = trees(depth - 1, variables=variables, vector=vector, in_sum=in_sum)
    coefficients = st.tuples(st.sampled_from(CONSTANTS), st.sampled_from(CONSTANTS), st.sampled_from(CONSTANTS))
    options = [
        leaf,
        st.tuples(st.sampled_from([u for u in UNARY if u != "poly"]), child),
        st.tuples(st.just("poly"), coefficients, child),
        st.tuples(st.just("add"), child, child),
        st.tuples(st.just("mul"), child, child),
    ]
    if vector and not in_sum:
        inner = trees(depth - 1, variables=variables, vector=vector, in_sum=True)
        options.append(st.tuples(st.just("vsum"), inner))
    return st.one_of(*options)


def uses_input(tree: tuple) -> bool:
    if tree[0] in ("var", "elem"):
        return True
    return any(uses_input(c) for c in tree[1:] if isinstance(c, tuple) and c and isinstance(c[0], str))


def to_sympy(tree: tuple, elem: sp.Expr | None = None) -> sp.Expr:
    """The SymPy side: SymPy's own functions, sums unrolled over the entries of XS."""
    kind = tree[0]
    if kind == "var":
        return SCALARS[tree[1]]
    if kind == "elem":
        return elem
    if kind == "const":
        return tree[1]
    if kind == "poly":
        c0, c1, c2 = tree[1]
        u = to_sympy(tree[2], elem)
        return c0 + c1 * u + c2 * u**2
    if kind == "add":
        return to_sympy(tree[1], elem) + to_sympy(tree[2], elem)
    if kind == "mul":
        return to_sympy(tree[1], elem) * to_sympy(tree[2], elem)
    if kind == "vsum":
        return sp.Add(*[to_sympy(tree[1], x) for x in XS])
    u = to_sympy(tree[1], elem)
    if kind == "exp":
        return sp.exp(u)
    if kind == "log1p_sq":
        return sp.log(1 + u**2)
    if kind == "softplus":
        return sp.log(1 + sp.exp(u))
    if kind == "log_softplus":
        return sp.log(sp.log(1 + sp.exp(u)))
    if kind == "sigmoid":
        return 1 / (1 + sp.exp(-u))
    if kind == "tanh":
        return sp.tanh(u)
    if kind == "relu":
        return sp.Max(u, 0)
    raise AssertionError(kind)


def to_torch(tree: tuple, env: dict[str, torch.Tensor], elem: torch.Tensor | None = None) -> torch.Tensor:
    """The torch side: torch's own functions, sums vectorized over the (3, 1) tensor of the vector."""
    kind = tree[0]
    if kind == "var":
        return env[tree[1]]
    if kind == "elem":
        return elem
    if kind == "const":
        return torch.tensor(float(tree[1]), dtype=torch.float64)
    if kind == "poly":
        c0, c1, c2 = (float(c) for c in tree[1])
        u = to_torch(tree[2], env, elem)
        return c0 + c1 * u + c2 * torch.square(u)
    if kind == "add":
        return to_torch(tree[1], env, elem) + to_torch(tree[2], env, elem)
    if kind == "mul":
        return to_torch(tree[1], env, elem) * to_torch(tree[2], env, elem)
    if kind == "vsum":
        entries = to_torch(tree[1], env, env["x"])
        return torch.broadcast_to(entries, env["x"].shape).sum()
    u = to_torch(tree[1], env, elem)
    return {
        "exp": torch.exp,
        "log1p_sq": lambda t: torch.log1p(torch.square(t)),
        "softplus": F.softplus,
        "log_softplus": lambda t: torch.log(F.softplus(t)),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
    }[kind](u)


def torch_function(tree: tuple):
    def fn(a, b, p, x=None):
        return to_torch(tree, {"a": a, "b": b, "p": p, "x": x})

    return fn


def expressions(*, vector: bool, depth: int = 3, variables: tuple[str, ...] = ("a", "b", "p")):
    """(tree, SymPy expression) pairs of well-conditioned trees that depend on some input."""
    return (
        trees(depth, variables=variables, vector=vector)
        .filter(lambda t: uses_input(t) and well_conditioned(t) and bound(t) <= TOTAL_BOUND)
        .map(lambda t: (t, to_sympy(t)))
    )


def expressions_with_relu(*, vector: bool, depth: int = 2, variables: tuple[str, ...] = ("a", "b", "p")):
    """Like :func:`expressions`, with a ReLU of an input-dependent subtree that SymPy keeps as a Max."""
    sub = trees(depth, variables=variables, vector=vector)
    return (
        st.tuples(st.sampled_from(["add", "mul"]), sub.map(lambda t: ("relu", t)), sub)
        .filter(lambda t: uses_input(t[1]) and well_conditioned(t) and bound(t) <= TOTAL_BOUND)
        .map(lambda t: (t, to_sympy(t)))
        .filter(lambda case: case[1].has(sp.Max))
    )


def cases(kind: str, *, vector: bool):
    return expressions_with_relu(vector=vector) if kind == "with ReLU" else expressions(vector=vector)


def gradient(expr: sp.Expr) -> list:
    return [sp.diff(expr, A), sp.diff(expr, B), sp.diff(expr, P), XS.applyfunc(lambda x: sp.diff(expr, x))]


def flatten(claim: list) -> list[sp.Expr]:
    return [claim[0], claim[1], claim[2], *claim[3]]


def unflatten(entries: list[sp.Expr]) -> list:
    return [entries[0], entries[1], entries[2], sp.Matrix(entries[3:])]


def check_points(entries: list[sp.Expr]) -> np.ndarray:
    """The random points check_gradient evaluates a claim at (same symbols, seed, count and kinks)."""
    drawn = sample_points(FLAT, TRIALS, seed=0, avoid=kink_expressions(entries))
    return np.array([[p[s] for s in FLAT] for p in drawn])


def values_at(entries: list[sp.Expr], points: np.ndarray) -> np.ndarray:
    f = sp.lambdify(FLAT, [sp.sympify(e).doit() for e in entries], modules="numpy")
    with np.errstate(all="ignore"):
        return np.array([np.broadcast_to(np.asarray(f(*pt), dtype=float), (len(entries),)) for pt in points])


# ---------------------------------------------------------------------------- gradients and Hessians


@pytest.mark.parametrize("kind", ["any", "with ReLU"])
@settings(max_examples=25, **SETTINGS)
@given(data=st.data())
def test_sympy_gradient_of_a_random_expression_passes(kind, data):
    tree, expr = data.draw(cases(kind, vector=True), label="case")
    report = check_gradient(torch_function(tree), gradient(expr), WRT)
    assert report.points == TRIALS and report.max_rel_error <= 1e-9


@pytest.mark.parametrize("kind", ["any", "with ReLU"])
@settings(max_examples=15, **SETTINGS)
@given(data=st.data())
def test_sympy_hessian_of_a_random_expression_passes(kind, data):
    tree, expr = data.draw(cases(kind, vector=False), label="case")
    symbols = [A, B, P]
    report = check_hessian(lambda a, b, p: torch_function(tree)(a, b, p), sp.hessian(expr, symbols), symbols)
    assert report.entries == 9


PERTURBATIONS = ["sign flip", "dropped term", "swapped entries", "scaled by 1 + 1e-6", "scaled by 1 - 1e-6"]


@pytest.mark.parametrize("perturbation", PERTURBATIONS)
@settings(max_examples=14, **SETTINGS)
@given(case=expressions(vector=True), data=st.data())
def test_perturbed_gradient_always_fails(perturbation, case, data):
    tree, expr = case
    right = flatten(gradient(expr))
    entries = list(right)
    nonzero = [k for k, e in enumerate(right) if e != 0]
    assume(nonzero)
    k = data.draw(st.sampled_from(nonzero), label="entry")
    if perturbation == "sign flip":
        entries[k] = -right[k]
    elif perturbation.startswith("scaled"):
        entries[k] = right[k] * (1 + sp.Float(1e-6) * (1 if "+" in perturbation else -1))
    elif perturbation == "dropped term":
        terms = sp.Add.make_args(right[k])
        assume(len(terms) >= 2)
        entries[k] = right[k] - terms[data.draw(st.integers(0, len(terms) - 1), label="term")]
    else:
        other = data.draw(st.sampled_from([j for j in range(len(right)) if j != k]), label="other entry")
        entries[k], entries[other] = right[other], right[k]
    # Only perturbations that change some value at the check's own points, by far more than rtol, count.
    points = check_points(entries)
    before, after = values_at(right, points), values_at(entries, points)
    change = np.abs(after - before)
    assume(np.all(np.isfinite(change)))
    assume(np.any(change > 1e-7 * np.maximum(np.abs(before), 1e-3)))
    with pytest.raises(GradientMismatch):
        check_gradient(torch_function(tree), unflatten(entries), WRT)


# ---------------------------------------------------------------------------- derivations


def rewrites(expr: sp.Expr) -> dict[str, sp.Expr]:
    return {
        "expand": sp.expand(expr),
        "factor": sp.factor(expr),
        "together": sp.together(expr),
        "rewrite(exp)": expr.rewrite(sp.exp),
        "trigsimp": sp.trigsimp(expr),
    }


@pytest.mark.parametrize("how", ["expand", "factor", "together", "rewrite(exp)", "trigsimp"])
@settings(max_examples=8, **SETTINGS)
@given(case=expressions(vector=False, depth=2))
def test_equal_rewrites_pass_a_derivation(how, case):
    _tree, expr = case
    rewritten = rewrites(expr)[how]
    if rewritten == expr:  # the rewrite changed nothing, and a step must change something
        with pytest.raises(StepError, match="unchanged"):
            Derivation(expr, name="random").step(rewritten, how)
        return
    d = Derivation(expr, name="random").step(rewritten, how)
    assert d.result == rewritten and d.steps[-1].method in {"symbolic", "numeric"}


def step_points(expr: sp.Expr) -> list[dict]:
    """The points a step from ``expr`` is evaluated at (expressions here are real everywhere they are drawn)."""
    leaves = sorted(expr.free_symbols, key=str)
    kinks = kink_expressions([expr])
    return [sample_points(leaves, 1, seed=attempt, avoid=kinks)[0] for attempt in range(6)]


@pytest.mark.parametrize("how", ["+ 1e-20", "× (1 + 1e-25)", "sign flip"])
@settings(max_examples=10, **SETTINGS)
@given(case=expressions(vector=False, depth=2))
def test_perturbed_rewrites_fail_a_derivation(how, case):
    _tree, expr = case
    if how == "+ 1e-20":
        wrong = expr + sp.Float("1e-20", 50)
    elif how == "× (1 + 1e-25)":
        wrong = expr * (1 + sp.Float("1e-25", 50))
    else:
        wrong = -expr
    if how != "+ 1e-20":
        # A relative perturbation of a value that is zero (or below 1e-14) at every point the step is
        # evaluated at changes nothing there.
        values = [abs(complex(expr.evalf(30, subs=p))) for p in step_points(expr)]
        assume(max(values) > 1e-14)
    with pytest.raises(StepError):
        Derivation(expr, name="random").step(wrong, how)
