"""Sphinx extension: every derived display is bound to a check, and says so in one line beneath it.

A chapter glues a display with :func:`derivations.glue`, which records the display's key, its kind
(derived, or declared a definition or a quoted mistake) and how each of its steps was verified; each
check records the displays its claims were built from (:mod:`checks.provenance`). Here, after every
chapter has executed:

- a display is *bound* when a passing check built from it compared it with an independent computation
  (autograd through a PyTorch function or module, a value PyTorch computed), or when a passing identity
  or comparison connects it to a bound display;
- the build warns, and so with ``-W`` fails, on a derived display that is not bound, or that was glued
  without :func:`derivations.glue`, naming the display and the missing link;
- beneath each display, a ``<details>`` line sums up its verification ("✓ 3 steps verified (2 symbolic,
  1 at 50 digits) · autograd at 5 points · max rel. error 2e-16") and opens, without JavaScript, to each
  step's method and each check's points and error, each check linked to its row in the ledger.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable

import verification_ledger as vl
from compat import PasteMathDirective
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging, texescape

from checks.failures import number
from checks.ledger import DERIVATIVE_KINDS, Check, Display, Method

logger = logging.getLogger(__name__)

STEP_METHODS = {
    Method.SYMBOLIC: "proved by SymPy",
    Method.NUMERIC: "equal to 40 digits at 6 random points (50-digit arithmetic)",
}
#: A check as a display's line lists it: the id of its row in the ledger, and the check.
Anchored = tuple[str, Check]


class DisplayBadge(nodes.General, nodes.Element):
    """Where a display's verification line goes; replaced once every chapter's checks are known."""


class BoundMathDirective(PasteMathDirective):
    """MyST-NB's ``glue:math``, followed by the display's verification line."""

    def run(self) -> list[nodes.Node]:
        found = super().run()
        key = self.arguments[0]
        env = self.state.document.settings.env
        glued = getattr(env, "glued_displays", {})
        glued.setdefault(env.docname, []).append((key, self.lineno))
        env.glued_displays = glued
        return [*found, DisplayBadge(key=key, line=self.lineno)]


def on_purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "glued_displays", {}).pop(docname, None)


def on_merge(app: Sphinx, env, docnames: Iterable[str], other) -> None:
    env.glued_displays = {**getattr(env, "glued_displays", {}), **getattr(other, "glued_displays", {})}


# ------------------------------------------------------------------------------------------ binding


def book_records(app: Sphinx) -> tuple[dict[str, Display], list[Anchored]]:
    """Every chapter's glued displays (by key) and checks (each with its ledger row's anchor)."""
    displays: dict[str, Display] = {}
    checks: list[Anchored] = []
    for docname, (key, _) in vl.chapters(app).items():
        index = 0
        for row in vl.all_records(app, docname, key):
            if isinstance(row, Display):
                displays[row.key] = row
            else:
                checks.append((vl.row_anchor(docname, index), row))
                index += 1
    return displays, checks


def bound_displays(checks: Iterable[Check]) -> set[str]:
    """The displays a passing independent check binds, and those passing identities connect to them."""
    checks = list(checks)
    bound = {k for c in checks if c.passed and c.independent for k in c.displays}
    links = [set(c.displays) for c in checks if c.passed and not c.independent and c.displays]
    changed = True
    while changed:
        changed = False
        for group in links:
            if group & bound and not group <= bound:
                bound |= group
                changed = True
    return bound


def verifications(app: Sphinx, *, fresh: bool = False) -> tuple[dict[str, Display], list[Anchored], set[str]]:
    """The book's displays, checks and bound displays, read from the ledger once a build (again if ``fresh``)."""
    if fresh or not hasattr(app, "display_verifications"):
        displays, checks = book_records(app)
        app.display_verifications = displays, checks, bound_displays(c for _, c in checks)  # type: ignore[attr-defined]
    return app.display_verifications  # type: ignore[attr-defined]


def on_consistency(app: Sphinx, env) -> None:
    displays, _, bound = verifications(app, fresh=True)  # every chapter has run by now
    executed = set(vl.chapters(app))
    for docname, glued in sorted(getattr(env, "glued_displays", {}).items()):
        if docname not in executed:
            continue
        for key, line in glued:
            record = displays.get(key)
            if record is None:
                logger.warning(
                    f"{docname}: display {key!r} was glued without derivations.glue, so no check can be "
                    "linked to it: glue it with derivations.glue (kind='definition' or 'mistake' if it "
                    "is not derived)",
                    location=(docname, line),
                )
            elif record.kind == "derived" and key not in bound:
                logger.warning(
                    f"{docname}: derived display {key!r} is not bound to any check: no passing check "
                    "against autograd or a PyTorch value was built from it, nor from a display proved "
                    "equal to it. Build a check's claim from the glued object after gluing it "
                    "(instantiate, expand_meaning, subs or lambdify it), or declare it "
                    "glue(..., kind='definition') or kind='mistake'",
                    location=(docname, line),
                )


# ------------------------------------------------------------------------------------------ the line


def summary(display: Display | None, direct: list[Check], bound: bool) -> str:
    """The one line under a display, in plain text."""
    if display is None:
        return ""
    parts = []
    methods = Counter(display.steps)
    if display.steps:
        how = [f"{methods[Method.SYMBOLIC]} symbolic", f"{methods[Method.NUMERIC]} at 50 digits"]
        detail = ", ".join(h for h in how if not h.startswith("0 "))
        steps = len(display.steps)
        parts.append(f"{steps} step{'s' * (steps != 1)} verified ({detail})")
    checks = [c for c in direct if c.passed]
    caught = [c for c in direct if c.expected_failure]
    numeric = [c for c in checks if c.kind in DERIVATIVE_KINDS and c.independent]
    values = [c for c in checks if c.kind == "value" and c.independent]
    if numeric:
        points = max(c.points for c in numeric)
        parts.append(f"autograd at {points} point{'s' * (points != 1)}")
    if values:
        entries = sum(c.points for c in values)
        parts.append(f"independent values ({entries} number{'s' * (entries != 1)})")
    if not numeric and not values and bound:
        parts.append("equal to a display checked against PyTorch")
    worst = [c.max_rel_error for c in [*numeric, *values] if c.max_rel_error is not None]
    if worst:
        parts.append(f"max rel. error {number(max(worst), 1)}")
    if display.kind == "mistake":
        head = "✗ a quoted mistake" + (f", caught by {len(caught)} check{'s' * (len(caught) != 1)}" if caught else "")
        return " · ".join([head, *parts[1:]]) if parts else head
    if display.kind == "definition":
        return " · ".join(["Definition", *parts]) if parts else ""
    return "✓ " + " · ".join(parts) if parts else ""


def details_html(display: Display, direct: list[Anchored], ledger_uri: str | None) -> str:
    items = [f"<li>step {n}: {STEP_METHODS[m]}</li>" for n, m in enumerate(display.steps, start=1)]
    # The checks against PyTorch first, then the identities and comparisons that link this display to others.
    for anchor, c in sorted(direct, key=lambda item: not item[1].independent):
        if c.kind == "identity":
            what = c.quantity
        elif c.kind == "value":
            what = f"value of {c.quantity}"
        else:
            what = f"{c.kind} of {c.quantity}" + (f" w.r.t. {', '.join(c.wrt)}" if c.wrt else "")
        if not c.passed:
            result = "caught, as intended" if c.expected_failure else "failed"
        elif c.kind in DERIVATIVE_KINDS:
            result = f"SymPy = autograd at {c.points} points, max rel. error {_fmt(c.max_rel_error)}"
        elif c.kind == "value":
            against = "values computed independently" if c.independent else "values built from a display"
            result = f"equal to {against} ({c.points} numbers), max rel. error {_fmt(c.max_rel_error)}"
        else:
            numeric = f"equal to 40 digits at {c.points} random points"
            result = "proved by SymPy" if c.method is Method.SYMBOLIC else numeric
        link = f" (<a href='{ledger_uri}#{anchor}'>ledger</a>)" if ledger_uri else ""
        items.append(f"<li>{html.escape(what)}: {html.escape(result)}{link}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _fmt(value: float | None) -> str:
    return "—" if value is None else number(value, 2)


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    badges = list(doctree.findall(DisplayBadge))
    if not badges:
        return
    displays, checks, bound = verifications(app)
    ledger_pages = sorted(getattr(app.env, "ledger_pages", set()))
    for badge in badges:
        key = badge["key"]
        display = displays.get(key)
        direct = [(anchor, c) for anchor, c in checks if key in c.displays]
        line = summary(display, [c for _, c in direct], key in bound)
        if not line:
            badge.replace_self([])
            continue
        if app.builder.format == "latex":
            tex = texescape.escape(line, latex_engine="xelatex")
            badge.replace_self(nodes.raw("", rf"\par{{\footnotesize\color{{gray}} {tex}}}\par" + "\n", format="latex"))
            continue
        ledger_uri = app.builder.get_relative_uri(docname, ledger_pages[0]) if ledger_pages else None
        body = details_html(display, direct, ledger_uri)
        badge.replace_self(
            nodes.raw(
                "",
                f"<details class='display-checks' id='checks-{_slug(key)}'><summary>{html.escape(line)}</summary>"
                f"{body}</details>",
                format="html",
            )
        )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def setup(app: Sphinx) -> dict:
    app.setup_extension("verification_ledger")
    app.add_node(DisplayBadge, html=(lambda self, node: None, lambda self, node: None))
    app.add_directive_to_domain("glue", "math", BoundMathDirective, override=True)
    app.connect("env-purge-doc", on_purge)
    app.connect("env-merge-info", on_merge)
    app.connect("env-check-consistency", on_consistency)
    app.connect("doctree-resolved", on_doctree_resolved)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
