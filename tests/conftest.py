"""Shared fixtures: one strict build of the real book per test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD_FLAGS = ["-W", "-n", "--keep-going"]


@pytest.fixture(scope="session")
def book_build() -> subprocess.CompletedProcess:
    """The book built exactly as `make book` builds it (executions come from the cache when unchanged)."""
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(ROOT), *BUILD_FLAGS], cwd=ROOT, capture_output=True, text=True, timeout=3600
    )


@pytest.fixture(scope="session")
def site(book_build: subprocess.CompletedProcess) -> Path:
    """The built HTML site; fails (rather than skips) if the strict build did not succeed."""
    assert book_build.returncode == 0, (book_build.stdout + book_build.stderr)[-5000:]
    return ROOT / "_build" / "html"
