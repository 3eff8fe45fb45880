"""Shared fixtures: one strict build of the real book per test session, shared by pytest-xdist workers."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD_FLAGS = ["-W", "-n", "--keep-going"]


def build_command(root: Path) -> list[str]:
    """The strict build of the book at ``root``, as `make book` runs it."""
    return [str(JUPYTER_BOOK), "build", str(root), *BUILD_FLAGS]


def _build_book() -> subprocess.CompletedProcess:
    return subprocess.run(build_command(ROOT), cwd=ROOT, capture_output=True, text=True, timeout=3600)


@pytest.fixture(autouse=True)
def fresh_caches_under_mutmut() -> None:
    """Under mutmut, each test starts from empty caches: SymPy's and the project's own.

    mutmut runs the clean tests, then forks a process per mutant. The fork inherits every cache the
    clean run filled: ``sigmoid(0)`` would come from SymPy's cache, and an answer box's spec from
    ``answers``' cache, both computed by the unmutated code, and the mutant would wrongly survive.
    (The tests' own caches stay: what they hold is a fixed input, such as the spec of a box of the table.)
    """
    if "MUTANT_UNDER_TEST" in os.environ:
        sp.core.cache.clear_cache()
        for function in _project_caches():
            function.cache_clear()


def _project_caches() -> list:
    """The functools caches of ``answers``, ``checks`` and ``derivations``, but the answer parser's: the grammar file
    alone decides that parser, and building it again costs every test 0.04 s."""
    modules = [m for n, m in list(sys.modules.items()) if n.split(".")[0] in ("answers", "checks", "derivations")]
    caches = [f for m in modules for f in vars(m).values() if callable(getattr(f, "cache_clear", None))]
    return [f for f in caches if getattr(f, "__name__", "") != "answer_parser"]


# How the "sphinx" logger stands before any test builds a Sphinx project in this process.
_SPHINX_LOGGER = logging.getLogger("sphinx")
_SPHINX_LOGGING = (
    list(_SPHINX_LOGGER.handlers),
    list(_SPHINX_LOGGER.filters),
    _SPHINX_LOGGER.level,
    _SPHINX_LOGGER.propagate,
)


@pytest.fixture(autouse=True)
def sphinx_logging_as_before():
    """A Sphinx app built in a test sets up the "sphinx" logger (its handlers prefix each warning with its place
    and stop it reaching the root logger) and leaves it so: after each test it is put back as it was."""
    yield
    handlers, filters, level, propagate = _SPHINX_LOGGING
    _SPHINX_LOGGER.handlers[:], _SPHINX_LOGGER.filters[:] = handlers, filters
    _SPHINX_LOGGER.setLevel(level)
    _SPHINX_LOGGER.propagate = propagate


@pytest.fixture(scope="session")
def book_build(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> subprocess.CompletedProcess:
    """The book built exactly as `make book` builds it (executions come from the cache when unchanged).

    Under pytest-xdist the first worker that needs it builds, the others wait for that build and
    read its result: two builds into one ``_build`` folder at once would corrupt it.
    """
    if worker_id == "master":
        return _build_book()
    shared = tmp_path_factory.getbasetemp().parent / "book_build.json"
    with FileLock(f"{shared}.lock"):
        if not shared.is_file():
            built = _build_book()
            shared.write_text(json.dumps([built.args, built.returncode, built.stdout, built.stderr]))
    return subprocess.CompletedProcess(*json.loads(shared.read_text()))


@pytest.fixture(scope="session")
def site(book_build: subprocess.CompletedProcess) -> Path:
    """The built HTML site; fails (rather than skips) if the strict build did not succeed."""
    assert book_build.returncode == 0, (book_build.stdout + book_build.stderr)[-5000:]
    return ROOT / "_build" / "html"
