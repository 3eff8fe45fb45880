"""A record of every check run during the build, for the book's verification ledger page.

The book's Sphinx extension (``book/_ext/verification_ledger.py``) sets three environment variables
before each chapter executes: the ledger directory, the chapter's name and a hash of its code.
Each check then appends one JSON line to ``<dir>/<chapter>.jsonl``. Outside the build (a reader's
notebook, nbval, the unit tests) nothing is recorded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

LEDGER_DIR_ENV = "BACKPROP_LEDGER_DIR"
CHAPTER_ENV = "BACKPROP_CHAPTER"
CODE_HASH_ENV = "BACKPROP_CHAPTER_HASH"

# A kernel executes one chapter: its first record replaces what an earlier execution left.
_started: set[Path] = set()
_expecting = 0


@contextmanager
def expecting_failures() -> Iterator[None]:
    """Within this block, failed checks are recorded as mistakes caught on purpose."""
    global _expecting
    _expecting += 1
    try:
        yield
    finally:
        _expecting -= 1


def ledger_file(directory: Path, chapter: str) -> Path:
    return directory / (chapter.replace("/", "__") + ".jsonl")


def record_check(
    kind: str,
    quantity: str,
    wrt: Sequence[str],
    points: int,
    max_abs: float | None,
    max_rel: float | None,
    *,
    passed: bool,
) -> None:
    directory, chapter = os.environ.get(LEDGER_DIR_ENV), os.environ.get(CHAPTER_ENV)
    if not directory or not chapter:
        return
    path = ledger_file(Path(directory), chapter)
    entry = {
        "chapter": chapter,
        "code_hash": os.environ.get(CODE_HASH_ENV, ""),
        "kind": kind,
        "quantity": quantity,
        "wrt": list(wrt),
        "points": points,
        "max_abs_error": max_abs,
        "max_rel_error": max_rel,
        "passed": passed,
        "expected_failure": not passed and _expecting > 0,
    }
    mode = "a" if path in _started else "w"
    _started.add(path)
    with path.open(mode, encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def read_ledger(directory: Path, chapter: str) -> list[dict]:
    path = ledger_file(directory, chapter)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
