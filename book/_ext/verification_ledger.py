"""Sphinx extension: the verification ledger — every check that ran while the book executed, in one table.

Before MyST-NB executes a chapter, ``source-read`` tells the kernel (through environment variables it
inherits) which chapter it runs and a hash of the chapter's code; :mod:`checks.ledger` then records
each check, keyed by that hash. After all chapters have been read, the build warns — and so, with
``-W``, fails — when a chapter with code has no records for its current code, or when more checks
failed than the chapter has ``raises-exception`` cells (each may fail on purpose once; failures inside
``checks.expect_failure`` are on purpose too).
The ``{verification-ledger}`` directive renders the table.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import jupytext
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging, texescape
from sphinx.util.docutils import SphinxDirective

from checks.ledger import CHAPTER_ENV, CODE_HASH_ENV, LEDGER_DIR_ENV, read_ledger

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
    bound = display_badges.bound_displays(checks)
    direct: dict[str, list[dict]] = {}
    for c in checks:
        for key in c.get("displays", []):
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


def all_records(app: Sphinx, docname: str, key: str) -> list[dict]:
    """This chapter's records, checks and glued displays, labelled with its name (identical code shares them)."""
    try:
        found = read_ledger(ledger_dir(app), key)
    except ValueError as err:
        logger.warning(f"{docname}: {err}: run `make clean` and rebuild", location=docname)
        return []
    return [{**r, "chapter": docname} for r in found]


def records(app: Sphinx, docname: str, key: str) -> list[dict]:
    """This chapter's checks, in the order they ran."""
    return [r for r in all_records(app, docname, key) if "display" not in r]


def row_anchor(docname: str, index: int) -> str:
    """The id of a chapter's ``index``-th check in the ledger's table (0-based), which a display's line links to."""
    return "check-" + re.sub(r"[^A-Za-z0-9_-]+", "-", docname).strip("-") + f"-{index + 1}"


def on_consistency(app: Sphinx, env) -> None:
    for docname, (key, allowed) in chapters(app).items():
        found = records(app, docname, key)
        if not found:
            logger.warning(
                f"{docname}: no checks were recorded for its current code (every chapter must check what it derives)",
                location=docname,
            )
            continue
        failed = [r for r in found if not r["passed"] and not r.get("expected_failure")]
        if len(failed) > allowed:
            names = ", ".join(f"{r['kind']} of {r['quantity']}" for r in failed)
            logger.warning(
                f"{docname}: {len(failed)} checks failed but only {allowed} cells are tagged raises-exception: {names}",
                location=docname,
            )


def ledger_fingerprint(app: Sphinx) -> str:
    """Changes exactly when the records the ledger page would show change."""
    digest = hashlib.sha256()
    for name, (key, _) in chapters(app).items():
        path = ledger_dir(app) / f"{key}.jsonl"
        digest.update(f"{name}:{key}:".encode() + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()


def on_env_updated(app: Sphinx, env) -> list[str]:
    fingerprint = ledger_fingerprint(app)
    if getattr(env, "ledger_fingerprint", None) == fingerprint:
        return []
    env.ledger_fingerprint = fingerprint
    return sorted(getattr(env, "ledger_pages", set()))


def book_order(env) -> list[str]:
    """The documents in the order the book's table of contents gives them."""
    order: list[str] = []

    def visit(docname: str) -> None:
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            visit(child)

    visit(env.config.root_doc)
    return order


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for placeholder in list(doctree.findall(LedgerPlaceholder)):
        place = {name: k for k, name in enumerate(book_order(app.env))}
        recorded = sorted(chapters(app).items(), key=lambda item: place.get(item[0], len(place)))
        rows = [r for name, (key, _) in recorded for r in records(app, name, key)]
        titles = {name: app.env.titles[name].astext() for name, _ in recorded if name in app.env.titles}
        if app.config.root_doc in titles:  # the root page's title is the book's
            titles[app.config.root_doc] = "Introduction"
        if app.builder.format == "latex":
            placeholder.replace_self(nodes.raw("", ledger_latex(rows, titles), format="latex"))
        else:
            chapter_uri = functools.partial(app.builder.get_relative_uri, docname)
            ledger = ledger_html(rows, titles, chapter_uri, display_linker(app, docname))
            placeholder.replace_self(nodes.raw("", ledger, format="html"))
        summary = ledger_summary(rows)
        (ledger_dir(app) / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


def display_linker(app: Sphinx, here: str) -> Callable[[str, str], tuple[str, str] | None]:
    """For a check of ``chapter`` built from display ``key``: the link from ``here`` to the display's line
    and the display's name; the chapter's own display when several pages glue the same key."""
    targets = display_targets(app)

    def link(chapter: str, key: str) -> tuple[str, str] | None:
        pages = targets.get(key, {})
        page = chapter if chapter in pages else next(iter(sorted(pages)), None)
        if page is None:
            return None
        badge, name = pages[page]
        return f"{app.builder.get_relative_uri(here, page)}#{badge}", name

    return link


def ledger_summary(rows: list[dict]) -> dict:
    numeric = [r for r in rows if r["passed"] and r["max_rel_error"] is not None and r["kind"] in NUMERIC_KINDS]
    chapters: dict[str, dict] = {}
    for r in rows:
        c = chapters.setdefault(
            r["chapter"], {"checks": 0, "caught": 0, "max_rel_error": 0.0, "max_normwise_rel_error": None}
        )
        c["checks"] += 1
        c["caught"] += not r["passed"]
    normwise = None
    for r in numeric:
        c = chapters[r["chapter"]]
        c["max_rel_error"] = max(c["max_rel_error"], r["max_rel_error"])
        c["max_normwise_rel_error"] = _max_known(c["max_normwise_rel_error"], r.get("max_normwise_rel_error"))
        normwise = _max_known(normwise, r.get("max_normwise_rel_error"))
    return {
        "checks": len(rows),
        "caught": sum(not r["passed"] for r in rows),
        "max_rel_error_sympy_vs_autograd": max((r["max_rel_error"] for r in numeric), default=0.0),
        "max_normwise_rel_error_sympy_vs_autograd": normwise,
        "chapters": chapters,
    }


def _max_known(a: float | None, b: float | None) -> float | None:
    """The larger of two figures where either may be unknown (None: recorded before the figure existed)."""
    return b if a is None else (a if b is None else max(a, b))


NUMERIC_KINDS = {"gradient", "Jacobian", "Hessian"}
# Shown when the chapters' records come from an execution cache older than the normwise figure.
UNKNOWN_NORMWISE = " (— : these chapters' cached runs predate the normwise figure; a clean build records it.)"


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1e}"


def _totals(summary: dict, strong: Callable[[str], str]) -> str:
    """The sentence above the tables: plain text, but for ``strong``, which marks up its figures."""
    return (
        f"{strong(str(summary['checks']))} checks ran while this book was built, "
        f"in {len(summary['chapters'])} chapters; {strong(str(summary['caught']))} of them are mistakes "
        "caught on purpose (cells that must fail). Largest relative error of a SymPy result against "
        f"autograd: {strong(_fmt(summary['max_normwise_rel_error_sympy_vs_autograd']))} relative to the "
        f"size of the whole result (normwise), {strong(_fmt(summary['max_rel_error_sympy_vs_autograd']))} "
        "entry by entry (an entry that cancels large terms can lose a few of float64's digits)."
        f"{UNKNOWN_NORMWISE if summary['max_normwise_rel_error_sympy_vs_autograd'] is None else ''}"
    )


def ledger_html(
    rows: list[dict],
    titles: dict[str, str],
    chapter_uri: Callable[[str], str],
    display_link: Callable[[str, str], tuple[str, str] | None] = lambda chapter, key: None,
) -> str:
    """The ledger as an index: the totals, a filter, then each chapter's checks in a collapsed group.

    ``chapter_uri`` gives the link to a chapter's page; ``display_link(chapter, key)`` the link to a
    display's verification line (its badge) and the display's name, or None when it shows none.
    Every row keeps its id (:func:`row_anchor`), which the badges link to.
    """
    summary = ledger_summary(rows)
    head = f"<p class='ledger-totals'>{_totals(summary, lambda text: f'<strong>{text}</strong>')}</p>"
    # Hidden until ledger.js shows it: without JavaScript a filter would do nothing.
    search = (
        "<div class='ledger-filter' hidden><label for='ledger-filter-input'>Filter the checks</label>"
        "<input type='search' id='ledger-filter-input' autocomplete='off' spellcheck='false' "
        "aria-describedby='ledger-filter-hint ledger-filter-status'>"
        "<p id='ledger-filter-hint' class='ledger-filter-hint'>Words to find in a check or its chapter's title, "
        "e.g. <em>softmax Jacobian</em> or <em>on purpose</em>; the chapters with a match open.</p>"
        "<p id='ledger-filter-status' class='ledger-filter-status' role='status'></p></div>"
    )
    groups = []
    by_chapter: dict[str, list[dict]] = {}
    for r in rows:
        by_chapter.setdefault(r["chapter"], []).append(r)
    for name, found in by_chapter.items():
        c = summary["chapters"][name]
        title = html.escape(titles.get(name, name))
        items = "".join(_check_item(r, row_anchor(name, index), display_link) for index, r in enumerate(found))
        groups.append(
            f"<details class='ledger-chapter' id='ledger-{_anchor_text(name)}' data-chapter='{html.escape(name)}'>"
            f"<summary><span class='ledger-chapter-title'>{title}</span> "
            f"<span class='ledger-chapter-figures'>{_chapter_figures(c)}</span></summary>"
            f"<p class='ledger-chapter-link'><a href='{chapter_uri(name)}'>Read the chapter: {title}</a></p>"
            f"<ol class='ledger-checks'>{items}</ol></details>"
        )
    guide = (
        "<p>Open a chapter to see its checks: what each compared with what, how closely, and the displays "
        "it vouches for.</p>"
    )
    return head + guide + search + f"<div class='ledger-index'>{''.join(groups)}</div>"


def _anchor_text(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def _chapter_figures(c: dict) -> str:
    """A group's summary: number of checks, those caught on purpose, the largest relative error."""
    parts = [f"{c['checks']} check{'s' * (c['checks'] != 1)}"]
    if c["caught"]:
        parts.append(f"{c['caught']} caught on purpose")
    parts.append(f"max rel. error {_fmt(c['max_rel_error'])}")
    return " · ".join(f"<span class='ledger-nowrap'>{part}</span>" for part in parts)


# Names a check gets when the chapter gives it none: they say nothing, so a row leaves them out.
DEFAULT_NAMES = {"f", "identity"}


def describe(record: dict) -> tuple[str, str]:
    """What a check compared, in words: (its subject, the comparison), e.g.
    ("Gradient of L with respect to W, x", "SymPy vs autograd"); an identity's comparison is said by
    :func:`figures` ("proved by SymPy")."""
    kind, quantity = record["kind"], record["quantity"]
    named = quantity not in DEFAULT_NAMES
    if kind in NUMERIC_KINDS:
        subject = kind[0].upper() + kind[1:] + (f" of {quantity}" if named else "")
        if record["wrt"]:
            subject += " with respect to " + ", ".join(record["wrt"])
        return subject, "SymPy vs autograd"
    if kind == "value":
        against = "an independent computation" if record.get("independent") else "another derived value"
        return (quantity if named else "A value"), f"vs {against}"
    if kind.startswith("identity"):
        return (quantity if named else "An identity"), ""
    return kind + (f" of {quantity}" if named else ""), ""


def figures(record: dict) -> str:
    """A check's outcome in a compact form: the verdict, how many points or numbers, the largest errors."""
    kind = record["kind"]
    if not record["passed"]:
        refuted = "refuted by a counterexample, " if kind == "identity" else ""
        return f"✗ {refuted}caught on purpose" if record.get("expected_failure") else f"✗ {refuted}failed"
    if kind == "identity (symbolic)":
        return "✓ proved by SymPy"
    if kind == "identity (numeric)":
        return f"✓ equal at {record['points']} random points, 50 digits"
    parts = []
    if kind in NUMERIC_KINDS:
        parts.append(f"{record['points']} point{'s' * (record['points'] != 1)}")
    elif kind == "value":
        parts.append(f"{record['points']} number{'s' * (record['points'] != 1)}")
    if kind in NUMERIC_KINDS or kind == "value":
        parts.append(f"rel. error {_fmt(record['max_rel_error'])}")
        if record.get("max_normwise_rel_error") is not None:
            parts.append(f"normwise {_fmt(record['max_normwise_rel_error'])}")
    return "✓ " + " · ".join(parts) if parts else "✓ passed"


def _check_item(record: dict, anchor: str, display_link: Callable[[str, str], tuple[str, str] | None]) -> str:
    subject, comparison = describe(record)
    links = [found for key in record.get("displays", []) if (found := display_link(record["chapter"], key))]
    shown = ""
    if links:
        anchors = ", ".join(f"<a href='{href}'>{html.escape(text)}</a>" for href, text in links)
        shown = f" · <span class='ledger-displays'>display{'s' * (len(links) > 1)} {anchors}</span>"
    state = "passed" if record["passed"] else "caught"
    sign = figures(record)
    return (
        f"<li id='{anchor}' class='ledger-check ledger-{state}'>"
        f"<span class='ledger-what'><span class='ledger-subject'>{html.escape(subject)}</span>"
        f"{': ' + html.escape(comparison) if comparison else ''}{shown}</span>"
        f"<span class='ledger-figures'>{html.escape(sign)}</span></li>"
    )


def _points(record: dict) -> str:
    """How many points a check compared at; an identity SymPy proved, or refuted, says so instead of 0."""
    if record["kind"] == "identity (symbolic)":
        return "proved"
    if record["kind"] == "identity" and not record["passed"]:
        return "1 (counterexample)"
    return str(record["points"])


def _result(record: dict) -> str:
    return "passed" if record["passed"] else "caught (expected failure)"


def ledger_latex(rows: list[dict], titles: dict[str, str]) -> str:
    """The ledger for the PDF: the totals, the table per chapter, and every check in a long table by chapter."""
    summary = ledger_summary(rows)

    def tex(text: str) -> str:
        return texescape.escape(text, latex_engine="xelatex")

    def bold(text: str) -> str:
        return rf"\textbf{{{text}}}"

    def row(*cells: str) -> str:
        return " & ".join(cells) + " \\\\\n"

    def long_table(columns: str, heading: str, body: str) -> str:
        return (
            rf"\begin{{longtable}}{{@{{}}{columns}@{{}}}}\toprule" + f"\n{heading}\\midrule\\endhead\n{body}"
            r"\bottomrule\end{longtable}"
        )

    def wrapped(width: float, align: str = "raggedright") -> str:
        return rf">{{\{align}\arraybackslash}}p{{{width}\linewidth}}"

    def stacked(*lines: str) -> str:
        return r"\shortstack[r]{" + r"\\".join(lines) + "}"

    per_chapter = "".join(
        row(
            tex(titles.get(name, name)),
            str(c["checks"]),
            str(c["caught"]),
            _fmt(c["max_normwise_rel_error"]),
            _fmt(c["max_rel_error"]),
        )
        for name, c in summary["chapters"].items()
    )
    total = row(
        "Total",
        str(summary["checks"]),
        str(summary["caught"]),
        _fmt(summary["max_normwise_rel_error_sympy_vs_autograd"]),
        _fmt(summary["max_rel_error_sympy_vs_autograd"]),
    )
    checks, chapter = [], None
    for r in rows:
        if r["chapter"] != chapter:
            chapter = r["chapter"]
            checks.append(rf"\multicolumn{{6}}{{@{{}}l}}{{{bold(tex(titles.get(chapter, chapter)))}}} \\*" + "\n")
        numbers = [r["max_abs_error"], r.get("max_normwise_rel_error"), r["max_rel_error"]]
        subject, comparison = describe(r)
        if r["kind"].startswith("identity"):  # the page says how beside the verdict: "✓ proved by SymPy"
            comparison = figures(r).removeprefix("✓ ").removeprefix("✗ ")
        what = subject + (f": {comparison}" if comparison else "")
        checks.append(row(tex(what), tex(_points(r)), *map(_fmt, numbers), _result(r)))
    chapter_table = long_table(
        f"{wrapped(0.36)}rrrr",
        row(
            "Chapter",
            "Checks",
            "Caught on purpose",
            stacked(r"Largest rel.\ error", "vs autograd, normwise"),
            stacked(r"\dots\ entry", "by entry"),
        ),
        per_chapter + "\\midrule\n" + total,
    )
    all_table = long_table(
        f"{wrapped(0.5)}{wrapped(0.07, 'raggedleft')}rrr{wrapped(0.08)}",
        row(
            "What was checked",
            "Points",
            stacked("Max abs.", "error"),
            stacked(r"Max rel.\ error,", "normwise"),
            stacked(r"\dots\ entry", "by entry"),
            "Result",
        ),
        "".join(checks),
    )
    return (
        rf"\sphinxAtStartPar {_totals(summary, bold)}" + "\n\n"
        rf"{{\footnotesize {chapter_table}}}" + "\n\n"
        r"\sphinxAtStartPar Every check, chapter by chapter:" + "\n\n"
        rf"{{\scriptsize\setlength{{\tabcolsep}}{{3pt}} {all_table}}}" + "\n"
    )


def setup(app: Sphinx) -> dict:
    app.add_node(LedgerPlaceholder, html=(lambda self, node: None, lambda self, node: None))
    app.add_directive("verification-ledger", LedgerDirective)
    app.connect("builder-inited", on_builder_inited)
    app.connect("source-read", on_source_read)
    app.connect("env-purge-doc", on_purge)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-check-consistency", on_consistency)
    app.connect("env-updated", on_env_updated)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("html-page-context", on_page_context)
    # env_version 5: the ledger links each check to its displays' equation ids; older environments are re-read.
    return {"parallel_read_safe": False, "parallel_write_safe": True, "env_version": 5}
