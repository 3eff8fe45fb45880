"""Runs every chapter listed in _toc.yml with nbval, reading the MyST Markdown through jupytext.

nbval only reads .ipynb files; the chapters are .md notebooks. ``MystNotebook`` hands nbval
the notebook that jupytext parses from the .md file, so failures name the chapter itself
(e.g. ``book/log_sum_exp.md::Cell 3``).

A chapter executes once per ``make test``: when every cell of a chapter passed, its outputs go into
the build's execution cache (``book/_ext/execution_cache.py``), and its kernel records its checks in
the verification ledger as the build's kernel would; the build that the page tests read then serves
the chapter from the cache instead of running it again.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType

import jupytext
import nbval.plugin
import pytest
import yaml
from filelock import FileLock

from checks import ledger
from tests.compat import ScopeScheduling, nbval_reads

ROOT = Path(__file__).resolve().parent
collect_ignore_glob = ["_build/*", ".venv/*"]
CACHE = ROOT / "_build" / ".jupyter_cache"


def book_extension(name: str) -> ModuleType:
    """One of the book's Sphinx extensions (``book/_ext/<name>.py``), loaded once."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "book" / "_ext" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        sys.path.insert(0, str(ROOT / "book" / "_ext"))  # where an extension finds the others (compat)
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.pop(0)
    return sys.modules[name]


def toc_chapters(root: Path = ROOT) -> list[Path]:
    """Every file that ``root/_toc.yml`` lists, as absolute .md paths, in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    walk(toc.get("chapters", []))
    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    return [(root / f).with_suffix(".md").resolve() for f in files]


class MystNotebook(nbval.plugin.IPyNbFile):
    """An nbval notebook read from a MyST Markdown file. Cells are judged by their asserts, not stored outputs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.compare_outputs = False  # .md chapters store no outputs: the asserts in the cells are the test

    def collect(self):
        notebook = jupytext.read(self.path)
        with nbval_reads(notebook):
            self.cells = list(super().collect())
        yield from self.cells

    def setup(self):
        # Before a chapter runs, an execution cache that cannot be trusted goes, as the build would discard it.
        # (Here, not at the start of every pytest session: a run of unit tests must leave a build's cache alone.)
        with FileLock(f"{CACHE}.lock"):
            book_extension("execution_cache").discard_if_untrusted(CACHE, ROOT, ROOT / "_build" / ".doctrees")
        # The kernel inherits the ledger's settings; this process must not keep them, or a unit test that
        # runs here later would record its checks as this chapter's.
        saved = dict(os.environ)
        os.environ.update(ledger_settings(Path(self.path)))
        try:
            super().setup()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.started = time.perf_counter()

    def teardown(self):
        try:
            if self.cells and all(getattr(cell, "passed", False) for cell in self.cells):
                with FileLock(f"{CACHE}.lock"):
                    outputs = [cell.test_outputs for cell in self.cells]
                    seconds = time.perf_counter() - self.started
                    book_extension("execution_cache").store_executed(ROOT, Path(self.path), outputs, seconds)
        finally:
            super().teardown()


def ledger_settings(chapter: Path) -> dict[str, str]:
    """What the build's ledger extension tells a chapter's kernel: where to record, which chapter, which code."""
    directory = CACHE / "backprop-ledger"
    directory.mkdir(parents=True, exist_ok=True)
    ledger_extension = book_extension("verification_ledger")
    cells = ledger_extension.code_cells(chapter.read_text(encoding="utf-8"))
    return {
        ledger.LEDGER_DIR_ENV: str(directory),
        ledger.CHAPTER_ENV: chapter.resolve().relative_to(ROOT).with_suffix("").as_posix(),
        ledger.CODE_HASH_ENV: ledger_extension.code_hash(cells),
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "call" and isinstance(item, nbval.plugin.IPyNbCell):
        item.passed = report.passed
    return report


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix != ".md":
        return None
    book_root = next((d for d in file_path.resolve().parents if (d / "_toc.yml").exists()), None)
    if book_root is not None and file_path.resolve() in toc_chapters(book_root):
        return MystNotebook.from_parent(parent, path=file_path)
    return None


class ChapterScheduling(ScopeScheduling):
    """pytest-xdist scheduling: a chapter's cells share one kernel, so they go to one worker; any other test goes alone.

    (``--dist loadgroup`` would do this with marks, but pytest-xdist 3.8 cannot rename pytest 9's node ids.)
    """

    def scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return path if path.endswith(".md") else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    return ChapterScheduling(config, log)
