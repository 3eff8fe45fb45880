"""Sphinx extension: the verification ledger — every check that ran while the book executed, in one table.

Before MyST-NB executes a chapter, ``source-read`` tells the kernel (through environment variables it
inherits) which chapter it runs and a hash of the chapter's code; :mod:`checks.ledger` then records
each check, keyed by that hash. After all chapters have been read, the build warns — and so, with
``-W``, fails — when a chapter with code has no records for its current code, or when more checks
failed than the chapter has ``raises-exception`` cells (each may fail on purpose once; failures inside
``checks.expect_failure`` are on purpose too).
The ``{verification-ledger}`` directive renders the ledger: its checks are built once as document nodes
(a table of checks per chapter, each in a group that opens and closes), which the HTML writer renders as an
index with a filter and the LaTeX writer as the PDF's tables.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jupytext
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import NoUri
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from checks.ledger import (
    CHAPTER_ENV,
    CODE_HASH_ENV,
    DERIVATIVE_KINDS,
    LEDGER_DIR_ENV,
    Check,
    Method,
    Record,
    read_ledger,
)

logger = logging.getLogger(__name__)


class LedgerPlaceholder(nodes.General, nodes.Element):
    """Replaced by the ledger table once every chapter has executed."""


class LedgerDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        self.env.ledger_pages = getattr(self.env, "ledger_pages", set()) | {self.env.docname}
        return [LedgerPlaceholder()]


def code_cells(source: str) -> list:
    if "{code-cell}" not in source:
        return []
    return [c for c in jupytext.reads(source, fmt="md:myst").cells if c.cell_type == "code"]


def code_hash(cells: list) -> str:
    return hashlib.sha256("\0".join(c.source for c in cells).encode()).hexdigest()[:16]


def expected_failures(cells: list) -> int:
    return sum("raises-exception" in c.metadata.get("tags", []) for c in cells)


def ledger_dir(app: Sphinx) -> Path:
    # Inside the execution cache: records live exactly as long as the cached outputs they vouch for.
    return Path(app.outdir).parent / ".jupyter_cache" / "backprop-ledger"


def on_builder_inited(app: Sphinx) -> None:
    ledger_dir(app).mkdir(parents=True, exist_ok=True)
    os.environ[LEDGER_DIR_ENV] = str(ledger_dir(app))


def on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "ledger-index" in context.get("body", ""):
        # Called here, these add the files to this page only.
        app.add_js_file("ledger.js", loading_method="defer")
        app.add_css_file("ledger.css")


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    cells = code_cells(source[0])
    key = code_hash(cells)
    os.environ[CHAPTER_ENV] = docname
    os.environ[CODE_HASH_ENV] = key
    # What was read (and so executed) is what the ledger must vouch for, even if the file changes later.
    read = getattr(app.env, "ledger_read", {})
    read.pop(docname, None)
    if cells:
        read[docname] = (key, expected_failures(cells))
    app.env.ledger_read = read


def on_purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "ledger_read", {}).pop(docname, None)
    getattr(env, "ledger_equations", {}).pop(docname, None)


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Each glued display's equation id on its page, found beside its verification line (a ``DisplayBadge``)."""
    found = {}
    for badge in doctree.findall(lambda node: type(node).__name__ == "DisplayBadge"):
        before = badge.parent.index(badge) - 1
        math = badge.parent[before] if before >= 0 else None
        if isinstance(math, nodes.math_block) and math["ids"]:
            found[badge["key"]] = math["ids"][0]
    app.env.ledger_equations = {**getattr(app.env, "ledger_equations", {}), app.env.docname: found}


def equation_number(app: Sphinx, docname: str, key: str) -> str | None:
    """The number a display of ``docname`` shows, e.g. "9.4" (None if it has none)."""
    node_id = getattr(app.env, "ledger_equations", {}).get(docname, {}).get(key)
    number = app.env.toc_fignumbers.get(docname, {}).get("displaymath", {}).get(node_id)
    if not number:
        return None
    text = ".".join(map(str, number))
    return app.config.math_numsep.join(text.rsplit(".", 1))


def display_targets(app: Sphinx) -> dict[str, dict[str, tuple[str, str]]]:
    """Where each display's verification line is: ``{key: {page: (badge id, the display's name)}}``.

    Only displays that show a line beneath them (see ``display_badges``) are targets; a display is named
    by its equation number, "(9.4)", or else as "a display of <page>".
    """
    import display_badges  # imports this module: imported when needed, not at the top

    displays, checks = display_badges.book_records(app)
    bound = display_badges.bound_displays(c for _, c in checks)
    direct: dict[str, list[Check]] = {}
    for _, c in checks:
        for key in c.displays:
            direct.setdefault(key, []).append(c)
    targets: dict[str, dict[str, tuple[str, str]]] = {}
    for docname, glued in getattr(app.env, "glued_displays", {}).items():
        for key, _line in glued:
            if not display_badges.summary(displays.get(key), direct.get(key, []), key in bound):
                continue
            number = equation_number(app, docname, key)
            name = f"({number})" if number else f"a display of {app.env.titles[docname].astext()}"
            targets.setdefault(key, {})[docname] = (f"checks-{display_badges._slug(key)}", name)
    return targets


def chapters(app: Sphinx) -> dict[str, tuple[str, int]]:
    """The chapters that have code, as read by this build: (code hash, number of raises-exception cells)."""
    return dict(sorted(getattr(app.env, "ledger_read", {}).items()))


def all_records(app: Sphinx, docname: str, key: str) -> list[Record]:
    """This chapter's records, checks and glued displays, labelled with its name (identical code shares them)."""
    try:
        found = read_ledger(ledger_dir(app), key)
    except ValueError as err:
        logger.warning(f"{docname}: {err}: run `make clean` and rebuild", location=docname)
        return []
    return [dataclasses.replace(r, chapter=docname) for r in found]


def records(app: Sphinx, docname: str, key: str) -> list[Check]:
    """This chapter's checks, in the order they ran."""
    return [r for r in all_records(app, docname, key) if isinstance(r, Check)]


def row_anchor(docname: str, index: int) -> str:
    """The id of a chapter's ``index``-th check in the ledger's table (0-based), which a display's line links to."""
    return "check-" + _anchor_text(docname) + f"-{index + 1}"


def on_consistency(app: Sphinx, env: Any) -> None:
    for docname, (key, allowed) in chapters(app).items():
        found = records(app, docname, key)
        if not found:
            logger.warning(
                f"{docname}: no checks were recorded for its current code (every chapter must check what it derives)",
                location=docname,
            )
            continue
        failed = unexpected_failures(found)
        if len(failed) > allowed:
            names = ", ".join(f"{r.kind} of {r.quantity}" for r in failed)
            logger.warning(
                f"{docname}: {len(failed)} checks failed but only {allowed} cells are tagged raises-exception: {names}",
                location=docname,
            )


def unexpected_failures(found: list[Check]) -> list[Check]:
    """The checks that failed where no failure was expected (a mistake caught on purpose is not one)."""
    return [r for r in found if not r.passed and not r.expected_failure]


def ledger_fingerprint(app: Sphinx) -> str:
    """Changes exactly when the records the ledger page would show change."""
    digest = hashlib.sha256()
    for name, (key, _) in chapters(app).items():
        path = ledger_dir(app) / f"{key}.jsonl"
        digest.update(f"{name}:{key}:".encode() + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()


def on_env_updated(app: Sphinx, env: Any) -> list[str]:
    fingerprint = ledger_fingerprint(app)
    if getattr(env, "ledger_fingerprint", None) == fingerprint:
        return []
    env.ledger_fingerprint = fingerprint
    return sorted(getattr(env, "ledger_pages", set()))


def book_order(env: Any) -> list[str]:
    """The documents in the order the book's table of contents gives them."""
    order: list[str] = []

    def visit(docname: str) -> None:
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            visit(child)

    visit(env.config.root_doc)
    return order


def book_ledger(app: Sphinx) -> tuple[list[Check], dict[str, str]]:
    """Every chapter's checks, chapter by chapter in the book's order, and the chapters' titles."""
    place = {name: k for k, name in enumerate(book_order(app.env))}
    recorded = sorted(chapters(app).items(), key=lambda item: place.get(item[0], len(place)))
    rows = [r for name, (key, _) in recorded for r in records(app, name, key)]
    titles = {name: app.env.titles[name].astext() for name, _ in recorded if name in app.env.titles}
    if app.config.root_doc in titles:  # the root page's title is the book's
        titles[app.config.root_doc] = "Introduction"
    return rows, titles


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for placeholder in list(doctree.findall(LedgerPlaceholder)):
        rows, titles = book_ledger(app)
        chapter_uri = functools.partial(app.builder.get_relative_uri, docname)
        html = app.builder.format == "html"
        placeholder.replace_self(ledger_nodes(rows, titles, chapter_uri, display_linker(app, docname), html=html))
        summary = ledger_summary(rows)
        (ledger_dir(app) / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


#: A display's name and the link to its verification line (None where the format has no target for it).
DisplayLink = tuple[str | None, str]


def display_linker(app: Sphinx, here: str) -> Callable[[str, str], DisplayLink | None]:
    """For a check of ``chapter`` built from display ``key``: the link from ``here`` to the display's line
    and the display's name; the chapter's own display when several pages glue the same key. The PDF names
    the display without a link: its verification line has no target there."""
    targets = display_targets(app)
    linked = app.builder.format == "html"

    def link(chapter: str, key: str) -> DisplayLink | None:
        pages = targets.get(key, {})
        page = chapter if chapter in pages else next(iter(sorted(pages)), None)
        if page is None:
            return None
        badge, name = pages[page]
        return (f"{app.builder.get_relative_uri(here, page)}#{badge}" if linked else None), name

    return link


def ledger_summary(rows: list[Check]) -> dict[str, Any]:
    numeric = [r for r in rows if r.passed and r.max_rel_error is not None and r.kind in DERIVATIVE_KINDS]
    chapters: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = chapters.setdefault(
            r.chapter, {"checks": 0, "caught": 0, "max_rel_error": 0.0, "max_normwise_rel_error": None}
        )
        c["checks"] += 1
        c["caught"] += r.expected_failure
    normwise = None
    for r in numeric:
        c = chapters[r.chapter]
        c["max_rel_error"] = max(c["max_rel_error"], r.max_rel_error)
        c["max_normwise_rel_error"] = _max_known(c["max_normwise_rel_error"], r.max_normwise_rel_error)
        normwise = _max_known(normwise, r.max_normwise_rel_error)
    return {
        "checks": len(rows),
        "caught": sum(r.expected_failure for r in rows),
        "failed": sum(not r.passed and not r.expected_failure for r in rows),
        "max_rel_error_sympy_vs_autograd": max((r.max_rel_error or 0.0 for r in numeric), default=0.0),
        "max_normwise_rel_error_sympy_vs_autograd": normwise,
        "chapters": chapters,
    }


def _max_known(a: float | None, b: float | None) -> float | None:
    """The larger of two figures where either may be unknown (None: recorded before the figure existed)."""
    return b if a is None else (a if b is None else max(a, b))


# Shown when the chapters' records come from an execution cache older than the normwise figure.
UNKNOWN_NORMWISE = " (— : these chapters' cached runs predate the normwise figure; a clean build records it.)"


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1e}"


# Names a check gets when the chapter gives it none: they say nothing, so a row leaves them out.
DEFAULT_NAMES = {"f", "identity"}


def describe(record: Check) -> tuple[str, str]:
    """What a check compared, in words: (its subject, the comparison), e.g.
    ("Gradient of L with respect to W, x", "SymPy vs autograd"); an identity's comparison is said by
    :func:`figures` ("proved by SymPy")."""
    kind, quantity = record.kind, record.quantity
    named = quantity not in DEFAULT_NAMES
    if kind in DERIVATIVE_KINDS:
        subject = kind[0].upper() + kind[1:] + (f" of {quantity}" if named else "")
        if record.wrt:
            subject += " with respect to " + ", ".join(record.wrt)
        return subject, "SymPy vs autograd"
    if kind == "value":
        against = "an independent computation" if record.independent else "another derived value"
        return (quantity if named else "A value"), f"vs {against}"
    return (quantity if named else "An identity"), ""


def figures(record: Check) -> str:
    """A check's outcome in a compact form: the verdict, how many points or numbers, the largest errors."""
    if not record.passed:
        refuted = "refuted by a counterexample, " if record.kind == "identity" else ""
        return f"✗ {refuted}caught on purpose" if record.expected_failure else f"✗ {refuted}failed"
    if record.method is Method.SYMBOLIC:
        return "✓ proved by SymPy"
    if record.method is Method.NUMERIC:
        return f"✓ equal at {record.points} random points, 50 digits"
    unit = "point" if record.kind in DERIVATIVE_KINDS else "number"
    parts = [f"{record.points} {unit}{'s' * (record.points != 1)}", f"rel. error {_fmt(record.max_rel_error)}"]
    if record.max_normwise_rel_error is not None:
        parts.append(f"normwise {_fmt(record.max_normwise_rel_error)}")
    return "✓ " + " · ".join(parts)


# ------------------------------------------------------------------------------ the ledger as document nodes


class LedgerFilter(nodes.General, nodes.Element):
    """The filter above the groups: HTML only (ledger.js makes it work; the PDF has nothing to filter)."""


class LedgerIndex(nodes.General, nodes.Element):
    """Every chapter's group."""


class LedgerChapter(nodes.General, nodes.Element):
    """A chapter's group: its summary (title and figures), a link to the chapter, and its table of checks.
    A ``<details>`` on the page, closed until the reader (or a link to one of its rows) opens it."""


class LedgerSummary(nodes.General, nodes.Element):
    """A group's heading: the chapter's title and its figures (``<summary>`` on the page)."""


class LedgerChecks(nodes.table):
    """A chapter's checks: a table (a row per check: what was checked, the result), which the LaTeX writer
    renders as a table and the HTML writer as a list that wraps in a phone's column."""


def _text(text: str, *classes: str) -> nodes.inline:
    return nodes.inline(text, text, classes=list(classes))


def _joined(parts: list[nodes.Node], separator: str = " · ") -> list[nodes.Node]:
    joined: list[nodes.Node] = []
    for part in parts:
        if joined:
            joined.append(nodes.Text(separator))
        joined.append(part)
    return joined


def _totals(summary: dict[str, Any]) -> nodes.paragraph:
    """The sentence above the groups, its figures in bold."""

    def strong(text: object) -> nodes.strong:
        return nodes.strong(str(text), str(text))

    normwise = summary["max_normwise_rel_error_sympy_vs_autograd"]
    failed = summary["failed"]
    return nodes.paragraph(
        "",
        "",
        strong(summary["checks"]),
        nodes.Text(f" checks ran while this book was built, in {len(summary['chapters'])} chapters; "),
        strong(summary["caught"]),
        nodes.Text(" of them are mistakes caught on purpose (cells that must fail)"),
        *([nodes.Text(", and "), strong(failed), nodes.Text(" failed")] if failed else []),
        nodes.Text(". Largest relative error of a SymPy result against autograd: "),
        strong(_fmt(normwise)),
        nodes.Text(" relative to the size of the whole result (normwise), "),
        strong(_fmt(summary["max_rel_error_sympy_vs_autograd"])),
        nodes.Text(
            " entry by entry (an entry that cancels large terms can lose a few of float64's digits)."
            + (UNKNOWN_NORMWISE if normwise is None else "")
        ),
        classes=["ledger-totals"],
    )


def _chapter_figures(c: dict[str, Any]) -> list[nodes.Node]:
    """A group's figures: number of checks, those caught on purpose, the largest relative error."""
    parts = [f"{c['checks']} check{'s' * (c['checks'] != 1)}"]
    if c["caught"]:
        parts.append(f"{c['caught']} caught on purpose")
    parts.append(f"max rel. error {_fmt(c['max_rel_error'])}")
    return _joined([_text(part, "ledger-nowrap") for part in parts])


def _entry(*children: nodes.Node) -> nodes.entry:
    return nodes.entry("", nodes.paragraph("", "", *children))


def _check_row(record: Check, anchor: str, display_link: Callable[[str, str], DisplayLink | None]) -> nodes.row:
    subject, comparison = describe(record)
    what: list[nodes.Node] = [_text(subject, "ledger-subject")]
    if comparison:
        what.append(nodes.Text(f": {comparison}"))
    links = [found for key in record.displays if (found := display_link(record.chapter, key))]
    if links:
        names: list[nodes.Node] = [
            nodes.reference(name, name, refuri=href, internal=True) if href else nodes.Text(name)
            for href, name in links
        ]
        label = f"display{'s' * (len(links) > 1)} "
        what += [
            nodes.Text(" · "),
            nodes.inline("", "", nodes.Text(label), *_joined(names, ", "), classes=["ledger-displays"]),
        ]
    state = "passed" if record.passed else "caught" if record.expected_failure else "failed"
    return nodes.row(
        "",
        _entry(*what),
        _entry(nodes.Text(figures(record))),
        ids=[anchor],
        classes=["ledger-check", f"ledger-{state}"],
    )


def _checks_table(rows: list[nodes.row]) -> LedgerChecks:
    group = nodes.tgroup("", cols=2)
    group += [nodes.colspec(colwidth=68), nodes.colspec(colwidth=32)]
    group += nodes.thead("", nodes.row("", _entry(nodes.Text("What was checked")), _entry(nodes.Text("Result"))))
    group += nodes.tbody("", *rows)
    return LedgerChecks("", group, classes=["ledger-checks", "longtable", "colwidths-given"])


FILTER_HTML = (
    # Hidden until ledger.js shows it: without JavaScript a filter would do nothing.
    "<div class='ledger-filter' hidden><label for='ledger-filter-input'>Filter the checks</label>"
    "<input type='search' id='ledger-filter-input' autocomplete='off' spellcheck='false' "
    "aria-describedby='ledger-filter-hint ledger-filter-status'>"
    "<p id='ledger-filter-hint' class='ledger-filter-hint'>Words to find in a check or its chapter's title, "
    "e.g. <em>softmax Jacobian</em> or <em>on purpose</em>; the chapters with a match open.</p>"
    "<p id='ledger-filter-status' class='ledger-filter-status' role='status'></p></div>"
)


def ledger_nodes(
    rows: list[Check],
    titles: dict[str, str],
    chapter_uri: Callable[[str], str],
    display_link: Callable[[str, str], DisplayLink | None] = lambda chapter, key: None,
    *,
    html: bool = True,
) -> list[nodes.Node]:
    """The ledger: the totals, a filter, then each chapter's checks in a group of its own.

    ``chapter_uri`` gives the link to a chapter's page; ``display_link(chapter, key)`` the link to a
    display's verification line (its badge) and the display's name, or None when it shows none.
    Every row keeps its id (:func:`row_anchor`), which the badges link to. Only the sentence that says how
    to read the groups depends on the format (``html``): the page's groups open and close.
    """
    summary = ledger_summary(rows)
    by_chapter: dict[str, list[Check]] = {}
    for r in rows:
        by_chapter.setdefault(r.chapter, []).append(r)
    index = LedgerIndex(classes=["ledger-index"])
    for name, found in by_chapter.items():
        title = titles.get(name, name)
        heading = LedgerSummary(
            "",
            nodes.strong(title, title, classes=["ledger-chapter-title"]),
            nodes.Text(" "),
            nodes.inline("", "", *_chapter_figures(summary["chapters"][name]), classes=["ledger-chapter-figures"]),
        )
        group = LedgerChapter(
            "", heading, ids=[f"ledger-{_anchor_text(name)}"], classes=["ledger-chapter"], chapter=name
        )
        try:
            uri = chapter_uri(name)
        except NoUri:  # a document the PDF leaves out
            pass
        else:
            reference = nodes.reference("", f"Read the chapter: {title}", refuri=uri, internal=True)
            group += nodes.paragraph("", "", reference, classes=["ledger-chapter-link"])
        group += _checks_table([_check_row(r, row_anchor(name, k), display_link) for k, r in enumerate(found)])
        index += group
    guide = (
        "Open a chapter to see its checks: what each compared with what, how closely, and the displays it vouches for."
        if html
        else "Every check, chapter by chapter: what each compared with what, how closely, and the displays it "
        "vouches for."
    )
    return [_totals(summary), nodes.paragraph(guide, guide), LedgerFilter(), index]


def _anchor_text(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


# ------------------------------------------------------------------------------ how the writers render them


def _skip(self: Any, node: nodes.Element) -> None:
    raise nodes.SkipNode


def _nothing(self: Any, node: nodes.Element) -> None:
    pass


def _html_filter(self: Any, node: LedgerFilter) -> None:
    self.body.append(FILTER_HTML)
    raise nodes.SkipNode


def _html_open(tag: str, **attributes: str) -> Callable[[Any, nodes.Element], None]:
    def visit(self: Any, node: nodes.Element) -> None:
        found = {name: node[key] for name, key in attributes.items()}
        self.body.append(self.starttag(node, tag, "", **found))

    return visit


def _html_close(tag: str) -> Callable[[Any, nodes.Element], None]:
    def depart(self: Any, node: nodes.Element) -> None:
        self.body.append(f"</{tag}>\n")

    return depart


def _html_checks(self: Any, node: LedgerChecks) -> None:
    """The table as a list: a row per item, its cells side by side and wrapping (the header says nothing a
    row does not)."""
    self.body.append('<ol class="ledger-checks">\n')
    for row in node.findall(nodes.row):
        if isinstance(row.parent, nodes.thead):
            continue
        self.body.append(self.starttag(row, "li", ""))
        for entry, role in zip(row.children, ("ledger-what", "ledger-figures"), strict=True):
            self.body.append(f'<span class="{role}">')
            for part in entry.children[0].children:  # the cell's paragraph, inline
                part.walkabout(self)
            self.body.append("</span>")
        self.body.append("</li>\n")
    self.body.append("</ol>\n")
    raise nodes.SkipNode


def _latex_summary(self: Any, node: LedgerSummary) -> None:
    self.body.append("\n\\par\\medskip\\noindent ")


def _latex_summary_end(self: Any, node: LedgerSummary) -> None:
    self.body.append("\\par\\nopagebreak\n")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(LedgerPlaceholder, html=(_nothing, _nothing), latex=(_nothing, _nothing))
    app.add_node(LedgerFilter, html=(_html_filter, _nothing), latex=(_skip, _nothing))
    app.add_node(LedgerIndex, html=(_html_open("div"), _html_close("div")), latex=(_nothing, _nothing))
    app.add_node(
        LedgerChapter,
        html=(_html_open("details", **{"data-chapter": "chapter"}), _html_close("details")),
        latex=(_nothing, _nothing),
    )
    app.add_node(
        LedgerSummary, html=(_html_open("summary"), _html_close("summary")), latex=(_latex_summary, _latex_summary_end)
    )
    app.add_node(
        LedgerChecks,
        html=(_html_checks, _nothing),
        latex=(lambda self, node: self.visit_table(node), lambda self, node: self.depart_table(node)),
    )
    app.add_directive("verification-ledger", LedgerDirective)
    app.connect("builder-inited", on_builder_inited)
    app.connect("source-read", on_source_read)
    app.connect("env-purge-doc", on_purge)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-check-consistency", on_consistency)
    app.connect("env-updated", on_env_updated)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("html-page-context", on_page_context)
    # env_version 6: records are read back as checks.ledger's types; older environments are re-read.
    return {"parallel_read_safe": False, "parallel_write_safe": True, "env_version": 6}
