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
import yaml

ROOT = Path(__file__).resolve().parent
collect_ignore_glob = ["_build/*", ".venv/*"]


def toc_chapters() -> list[Path]:
    """Every file that _toc.yml lists, as absolute .md paths, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    return [(ROOT / f).with_suffix(".md") for f in files]


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
    if file_path.suffix == ".md" and file_path.resolve() in toc_chapters():
        return MystNotebook.from_parent(parent, path=file_path)
    return None
