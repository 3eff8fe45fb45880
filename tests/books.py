"""Temporary books for tests that break things on purpose: the real configuration, a few small chapters."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import ROOT, build_command

FRONT_MATTER = textwrap.dedent(
    """\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
        format_version: 0.13
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---
    """
)
# The root page of every temporary book: plain Markdown, not a notebook, so no kernel starts for it.
INTRO = """
    # A temporary book

    Written by a test.
"""
# A chapter with a real check, so the verification ledger is satisfied.
GOOD_CHAPTER = """
    # Good

    ```{code-cell} ipython3
    from checks import assert_close

    assert_close(6 * 7, 42, name="the answer")
    ```
"""


def write_book(root: Path, chapters: dict[str, str], *, config_changes: dict[str, str] | None = None) -> Path:
    """A book with the real configuration, extensions and collector, and the given chapters."""
    (root / "book").mkdir(parents=True)
    config = (ROOT / "_config.yml").read_text()
    for old, new in (config_changes or {}).items():
        assert old in config, old
        config = config.replace(old, new)
    (root / "_config.yml").write_text(config)
    shutil.copy(ROOT / "conftest.py", root)
    (root / "tests").symlink_to(ROOT / "tests")  # the harness in conftest.py reaches nbval through tests/compat.py
    for shared in ("_ext", "_static", "_extra", "_templates", "references.bib", "references.md"):
        (root / "book" / shared).symlink_to(ROOT / "book" / shared)
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider --nbval-current-env\n")
    (root / "book" / "intro.md").write_text(textwrap.dedent(INTRO))
    toc = ["format: jb-book", "root: book/intro", "chapters:"]
    for name, body in chapters.items():
        (root / "book" / f"{name}.md").write_text(FRONT_MATTER + textwrap.dedent(body))
        toc.append(f"  - file: book/{name}")
    toc.append("  - file: book/references")
    (root / "_toc.yml").write_text("\n".join(toc) + "\n")
    return root


def run(command: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def build(root: Path) -> subprocess.CompletedProcess:
    return run(build_command(root), cwd=root)


def nbval(root: Path) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pytest", "book", "-q", "-c", str(root / "pytest.ini")], cwd=root)
