"""Runs every chapter listed in _toc.yml with nbval, reading the MyST Markdown through jupytext.

nbval only reads .ipynb files; the chapters are .md notebooks. ``MystNotebook`` hands nbval
the notebook that jupytext parses from the .md file, so failures name the chapter itself
(e.g. ``book/log_sum_exp.md::Cell 3``).
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import jupytext
import nbval.plugin
import pytest
import yaml
from xdist.scheduler import LoadScopeScheduling

ROOT = Path(__file__).resolve().parent
collect_ignore_glob = ["_build/*", ".venv/*"]


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
        with mock.patch.object(nbval.plugin.nbformat, "read", lambda *args, **kwargs: notebook):
            yield from super().collect()


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix != ".md":
        return None
    book_root = next((d for d in file_path.resolve().parents if (d / "_toc.yml").exists()), None)
    if book_root is not None and file_path.resolve() in toc_chapters(book_root):
        return MystNotebook.from_parent(parent, path=file_path)
    return None


class ChapterScheduling(LoadScopeScheduling):
    """pytest-xdist scheduling: a chapter's cells share one kernel, so they go to one worker; any other test goes alone.

    (``--dist loadgroup`` would do this with marks, but pytest-xdist 3.8 cannot rename pytest 9's node ids.)
    """

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return path if path.endswith(".md") else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    return ChapterScheduling(config, log)
