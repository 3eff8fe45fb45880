"""Proof that the PDF is the whole book; `make pdf` runs it after building the PDF and the HTML book::

    .venv/bin/python -m tools.pdf_check

It fails, saying what is wrong, when the PDF has fewer than ``MIN_PAGES`` pages; when a reference is
unresolved ("??" in its text, or an undefined reference or citation in LaTeX's log); when a glyph was
missing from its font (LaTeX's log, ``\\tracinglostchars`` is set in ``book/_ext/latex/backprop.sty``);
or when its numbered equations, figures, tables, exercises, solutions, theorems and definitions are not
the HTML book's, number for number. The PDF's equations are those LaTeX numbered (its ``.aux``), each of
which must also be seen set as a tag at the end of a line of the PDF's text; its other numbered items are
the lines of its text that start with one ("Fig. 3.1: ...", "Solution to Exercise 3.3"). Text and page
count come from poppler's ``pdftotext`` and ``pdfinfo``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
LATEX = ROOT / "_build" / "latex"
#: 19 chapters of derivations, checks and exercises: a PDF that lost chapters or pages is far shorter.
MIN_PAGES = 150

_PAGES = re.compile(r"^Pages:\s+(\d+)\s*$", re.M)
_EQNO = re.compile(r'<span class="eqno">\(([^)<]+)\)')
_AUX_EQUATION = re.compile(r"^\\newlabel\{equation:[^}]*\}\{\{([^}]*)\}", re.M)
_CAPTION = re.compile(r'<span class="caption-number">([A-Z][a-z]*\.? \d+(?:\.\d+)*)')
_SOLUTION = re.compile(r"Solution to<a [^>]*> (Exercise \d+(?:\.\d+)*)")
_ITEM = re.compile(r"^\s*((?:Solution to )?([A-Z][a-z]*\.?) \d+(?:\.\d+)*)(?![\d.]*\w)", re.M)
_TAG = re.compile(r"\((\d+(?:\.\d+)*)\)\s*$")
_UNDEFINED = re.compile(r"(Reference|Citation|Hyper reference) `([^']*)' on page (\d+) undefined")
_MISSING_GLYPH = re.compile(r"Missing character: There is no (\S+) \((U\+[0-9A-F]+)\) in font ([^!]*)!")


@dataclass
class Report:
    pages: int
    html_equations: list[str]
    pdf_equations: list[str]
    html_numbered: list[str]
    problems: list[str]


def pdf_name(config: str) -> str:
    """The PDF's file name, from the LaTeX document's target in ``_config.yml``."""
    target = yaml.safe_load(config)["sphinx"]["config"]["latex_documents"][0][1]
    return Path(target).with_suffix(".pdf").name


def page_count(pdfinfo: str) -> int:
    """The page count in ``pdfinfo``'s output."""
    found = _PAGES.search(pdfinfo)
    if not found:
        raise ValueError(f"pdfinfo printed no page count: {pdfinfo[:200]!r}")
    return int(found.group(1))


def unresolved_in_text(pages: list[str]) -> list[str]:
    """Each "??" in the PDF's text (one string per page), with its page and line."""
    return [
        f'page {number}: "??" in {line.strip()!r}'
        for number, page in enumerate(pages, start=1)
        for line in page.splitlines()
        if "??" in line
    ]


def log_problems(log: str) -> list[str]:
    """Undefined references and citations, and missing glyphs, reported in LaTeX's log."""
    log = unwrapped(log)
    found = [f"{kind.lower()} {name!r} on page {page} is undefined" for kind, name, page in _UNDEFINED.findall(log)]
    found += [
        f"missing glyph {char!r} ({code}) in font {font.strip()}"
        for char, code, font in sorted(set(_MISSING_GLYPH.findall(log)))
    ]
    if "There were undefined references" in log and not found:
        found.append("LaTeX reports undefined references")
    return found


def unwrapped(log: str, width: int = 79) -> str:
    """LaTeX's log with its long lines joined again: TeX breaks every line at ``width`` characters, names included."""
    lines, out = log.split("\n"), []
    for line in lines:
        if out and len(out[-1]) % width == 0 and out[-1]:
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


def html_equations(pages: Iterable[str]) -> list[str]:
    """The numbers of the HTML book's numbered equations (``span.eqno``), in page order."""
    return [number for page in pages for number in _EQNO.findall(page)]


def aux_equations(aux: str) -> list[str]:
    """The numbers LaTeX gave the book's labelled equations, from its ``.aux``."""
    return _AUX_EQUATION.findall(aux)


def equation_tags(text: str) -> set[str]:
    """Every "(3.1)" that ends a line of the PDF's text: where equation numbers are set."""
    return {match.group(1) for line in text.splitlines() if (match := _TAG.search(line))}


def html_numbered(pages: Iterable[str]) -> list[str]:
    """The HTML book's numbered figures, tables, exercises, theorems...: "Fig. 3.1", "Solution to Exercise 3.3"."""
    found = []
    for page in pages:
        found += _CAPTION.findall(page) + [f"Solution to {exercise}" for exercise in _SOLUTION.findall(page)]
    return found


def pdf_numbered(text: str, kinds: set[str]) -> set[str]:
    """The items of the given kinds ("Fig.", "Exercise") that start a line of the PDF's text, as "Fig. 3.1"."""
    return {item for item, kind in _ITEM.findall(text) if kind in kinds}


def _kind(item: str) -> str:
    return item.removeprefix("Solution to ").rsplit(" ", 1)[0]


def numbered_problems(html: list[str], pdf: set[str]) -> list[str]:
    """How the numbered items of the PDF differ from the HTML book's (empty if they are the same)."""
    found = []
    if len(set(html)) != len(html):
        found.append(f"the HTML book numbers two items alike: {sorted(i for i in set(html) if html.count(i) > 1)}")
    for label, only in (
        ("the HTML book but not the PDF", set(html) - pdf),
        ("the PDF but not the HTML book", pdf - set(html)),
    ):
        if only:
            found.append(
                f"numbered in {label}: {', '.join(sorted(only)[:10])}"
                + (f" and {len(only) - 10} more" if len(only) > 10 else "")
            )
    return found


def equation_problems(html: list[str], aux: list[str], tags: set[str]) -> list[str]:
    """How the PDF's numbered equations differ from the HTML book's (empty if they are the same)."""
    found = []
    if len(aux) != len(html):
        found.append(f"the PDF numbers {len(aux)} equations, the HTML book {len(html)}")
    for label, only, other in (("HTML book", set(html) - set(aux), "PDF"), ("PDF", set(aux) - set(html), "HTML")):
        if only:
            found.append(f"equations numbered in the {label} only (not in the {other}): {_numbers(only)}")
    unseen = set(aux) - tags
    if unseen:
        found.append(f"equations LaTeX numbered but whose number is not in the PDF's text: {_numbers(unseen)}")
    return found


def _numbers(numbers: set[str]) -> str:
    ordered = sorted(numbers, key=lambda n: [int(part) for part in n.split(".") if part.isdigit()])
    return ", ".join(f"({n})" for n in ordered[:10]) + (f" and {len(ordered) - 10} more" if len(ordered) > 10 else "")


def check(pdf: Path, html_dir: Path = HTML) -> Report:
    """Everything above, on a built PDF (with its ``.log`` and ``.aux`` beside it) and the built HTML book."""
    if not pdf.exists():
        return Report(0, [], [], [], [f"{pdf} does not exist: the LaTeX build did not make it"])
    pages = page_count(_run("pdfinfo", str(pdf)))
    text = _run("pdftotext", "-layout", str(pdf), "-").split("\f")
    html_pages = [p.read_text(encoding="utf-8") for p in sorted(html_dir.rglob("*.html"))]
    html, aux = html_equations(html_pages), aux_equations(pdf.with_suffix(".aux").read_text(encoding="utf-8"))
    problems = []
    if pages < MIN_PAGES:
        problems.append(f"the PDF has {pages} pages, fewer than the {MIN_PAGES} the whole book fills")
    if not html_pages:
        problems.append(f"no HTML book in {html_dir} to compare equations with: build it first (make book)")
    problems += unresolved_in_text(text)
    problems += log_problems(pdf.with_suffix(".log").read_text(encoding="utf-8", errors="replace"))
    problems += equation_problems(html, aux, equation_tags("\n".join(text)))
    numbered = html_numbered(html_pages)
    problems += numbered_problems(numbered, pdf_numbered("\n".join(text), {_kind(item) for item in numbered}))
    return Report(pages, html, aux, numbered, problems)


def _run(*command: str) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        raise SystemExit(f"{command[0]} is missing: install Debian's poppler-utils (make pdf does, as root)") from None


def main() -> int:
    pdf = LATEX / pdf_name((ROOT / "_config.yml").read_text(encoding="utf-8"))
    report = check(pdf)
    if report.problems:
        print(f"The PDF is not complete: {pdf}", file=sys.stderr)
        for problem in report.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    kinds = Counter(_kind(item) if not item.startswith("Solution") else "Solution" for item in report.html_numbered)
    items = ", ".join(f"{count} × {kind}" for kind, count in sorted(kinds.items()))
    print(
        f"PDF complete: {pdf.relative_to(ROOT)}, {report.pages} pages. As in the HTML book: "
        f"{len(report.pdf_equations)} numbered equations (HTML: {len(report.html_equations)}), {items}. "
        "No unresolved reference, no missing glyph."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
