"""A record of every check run during the build, for the book's verification ledger page.

The book's Sphinx extension (``book/_ext/verification_ledger.py``) sets three environment variables
before each chapter executes: the ledger directory, the chapter's name and a hash of its code.
Each check then appends one JSON line to ``<dir>/<code hash>.jsonl``. Keyed by code, like the
execution cache: a chapter served from the cache finds the records of the run that filled it, and
records of older code are never mistaken for current ones. Outside the build (a reader's
notebook, nbval, the unit tests) nothing is recorded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
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


def ledger_file(directory: Path, code_hash: str) -> Path:
    return directory / f"{code_hash}.jsonl"


def record_check(
    kind: str,
    quantity: str,
    wrt: Sequence[str],
    points: int,
    max_abs: float | None,
    max_rel: float | None,
    *,
    passed: bool,
    max_normwise_rel: float | None = None,
    displays: Iterable[str] = (),
    independent: bool = False,
) -> None:
    """One check. ``displays``: the glued displays its claims were built from (:mod:`checks.provenance`);
    ``independent``: the other side is a computation of its own (autograd, PyTorch's forward or backward),
    not another display or identity."""
    _write(
        {
            "kind": kind,
            "quantity": quantity,
            "wrt": list(wrt),
            "points": points,
            "max_abs_error": max_abs,
            "max_rel_error": max_rel,
            "max_normwise_rel_error": max_normwise_rel,
            "passed": passed,
            "expected_failure": not passed and _expecting > 0,
            "displays": sorted(displays),
            "independent": independent,
        }
    )


def record_display(key: str, kind: str, steps: Sequence[str]) -> None:
    """A glued display: its key, whether it is derived or declared exempt, and how each of its steps was verified."""
    _write({"display": key, "display_kind": kind, "steps": list(steps)})


def _write(fields: dict) -> None:
    directory, chapter = os.environ.get(LEDGER_DIR_ENV), os.environ.get(CHAPTER_ENV)
    code_hash = os.environ.get(CODE_HASH_ENV)
    if not directory or not chapter or not code_hash:
        return
    path = ledger_file(Path(directory), code_hash)
    entry = {"chapter": chapter, "code_hash": code_hash, **fields}
    mode = "a" if path in _started else "w"
    _started.add(path)
    with path.open(mode, encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def read_ledger(directory: Path, code_hash: str) -> list[dict]:
    """The records of the chapter whose code has this hash; [] if it never ran (ValueError if corrupt)."""
    path = ledger_file(directory, code_hash)
    if not path.exists():
        return []
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"the ledger file {path} is corrupt ({err})") from None
