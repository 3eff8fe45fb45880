"""Where the book's Sphinx extensions reach into other tools' internals: every such use, in one place.

Each name below is something a tool does not promise to keep (a private attribute, a module path that is
not its documented API, an on-disk layout). Each says which version it was checked against (the pins in
requirements.txt; jupyter-cache and myst-parser come with myst-nb), and tests/test_compat.py checks each
against the installed tools, so that an upgrade that changes one fails there, naming it, instead of
failing a build in a stranger way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_cache.base import CacheBundleIn  # jupyter-cache 1.0.1: a notebook and its outputs, to store
from jupyter_cache.cache.main import JupyterCacheBase  # jupyter-cache 1.0.1: hashes a notebook as MyST-NB does
from myst_nb.ext.glue.directives import PasteMathDirective  # myst-nb 1.4.0: {glue:math}, subclassed
from myst_nb.sphinx_ import HideCodeCellNode  # myst-nb 1.4.0: a hidden cell's input, given a new HTML visitor
from sphinx_exercise.nodes import (  # sphinx-exercise 1.2.1: numbered exercises in LaTeX
    exercise_enumerable_node,
    exercise_latex_number_reference,
)

if TYPE_CHECKING:
    from nbformat import NotebookNode
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

__all__ = [
    "CHECKED_AGAINST",
    "THEME_BLOCKS",
    "CacheBundleIn",
    "HideCodeCellNode",
    "JupyterCacheBase",
    "PasteMathDirective",
    "cache_database",
    "executed_notebook",
    "exercise_enumerable_node",
    "exercise_latex_number_reference",
    "exercise_registry",
    "lark_js_parts",
    "read_myst_notebook",
    "warning_count",
]

#: The versions each use below was checked against.
CHECKED_AGAINST = {
    "sphinx": "7.4.7",
    "myst-nb": "1.4.0",
    "myst-parser": "3.0.1",
    "jupyter-cache": "1.0.1",
    "sphinx-exercise": "1.2.1",
    "pydata-sphinx-theme": "0.17.1",
    "lark-js": "0.1.4",
}

#: book/_templates/layout.html restates two blocks of pydata-sphinx-theme 0.17.1's ``layout.html``, less what the
#: book does not load: the first 16 hex digits of each block's SHA-256 as it was restated from.
THEME_BLOCKS = {"css": "a8226c85c2b0f3ae", "extrahead": "e9f6d0d875b21a35"}


def lark_js_parts(standalone: str) -> tuple[str, str, str]:
    """lark-js 0.1.4's standalone parser split into its runtime, its parse tables and its memo (the last two
    JSON): ``generate_js_standalone`` writes the runtime, then ``var DATA=<json>;``, a blank line and
    ``var MEMO=<json>;``."""
    runtime, found, tables = standalone.partition("\nvar DATA=")
    data, found_memo, memo = tables.partition(";\n\nvar MEMO=")
    if not (found and found_memo):
        raise ValueError("lark-js's standalone parser no longer ends with var DATA=…; var MEMO=…;")
    return runtime, data, memo.rstrip().rstrip(";")


def warning_count(app: Sphinx) -> int | None:
    """The warnings Sphinx has logged in this build, or None if Sphinx no longer counts them where we look.

    Sphinx 7.4.7 counts them in ``Sphinx._warncount`` and nowhere public; it fails a ``-W --keep-going``
    build on that count only after ``build-finished``.
    """
    count = getattr(app, "_warncount", None)
    return count if isinstance(count, int) else None


def exercise_registry(env: BuildEnvironment) -> dict[str, dict[str, Any]]:
    """sphinx-exercise 1.2.1's registry of exercises and solutions, ``{label: {"node": …, "docname": …, …}}``."""
    return getattr(env, "sphinx_exercise_registry", {})


def cache_database(cache: Path) -> Path:
    """jupyter-cache 1.0.1's SQLite database, with its table ``nbcache`` of hash keys."""
    return cache / "global.db"


def executed_notebook(cache: Path, key: str) -> Path:
    """Where jupyter-cache 1.0.1 keeps the executed notebook stored under hash ``key``."""
    return cache / "executed" / key / "base.ipynb"


def read_myst_notebook(text: str, path: Path) -> NotebookNode:
    """A MyST Markdown chapter as MyST-NB 1.4.0 reads it for the build (so it hashes to the build's key)."""
    from myst_nb.core.read import read_myst_markdown_notebook  # imported when a chapter is stored, not before
    from myst_parser.config.main import MdParserConfig

    return read_myst_markdown_notebook(text, config=MdParserConfig(), add_source_map=True, path=path)
