"""A record of every check run, so that the book can show what was verified, and how closely.

When the environment variable ``BACKPROP_LEDGER`` names a file, each check appends one JSON
line to it. Nothing is recorded otherwise (a reader's own notebook writes no files).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

LEDGER_ENV = "BACKPROP_LEDGER"
CHAPTER_ENV = "BACKPROP_CHAPTER"


def record_check(
    kind: str, quantity: str, wrt: Sequence[str], points: int, max_abs: float, max_rel: float, *, passed: bool
) -> None:
    path = os.environ.get(LEDGER_ENV)
    if not path:
        return
    entry = {
        "chapter": os.environ.get(CHAPTER_ENV, ""),
        "kind": kind,
        "quantity": quantity,
        "wrt": list(wrt),
        "points": points,
        "max_abs_error": max_abs,
        "max_rel_error": max_rel,
        "passed": passed,
    }
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
