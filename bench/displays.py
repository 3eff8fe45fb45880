"""How each chapter's glued displays stand: derived and bound, declared definitions, quoted mistakes.

Read from the verification ledger of the last build (the records of each chapter's current code), with
the rule the build itself applies (``book/_ext/display_badges.py``)::

    .venv/bin/python -m bench.displays _build        # prints a table per chapter
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))

import display_badges
import verification_ledger

from checks.ledger import Check, Display, Record, read_ledger
from conftest import ROOT, toc_chapters


def chapter_records(build: Path) -> dict[str, tuple[list[str], list[Record]]]:
    """Per chapter: the keys its ``glue:math`` directives display, and its ledger records."""
    ledger = build / ".jupyter_cache" / "backprop-ledger"
    found = {}
    for path in toc_chapters():
        source = path.read_text(encoding="utf-8")
        cells = verification_ledger.code_cells(source)
        if cells:
            shown = re.findall(r"^```\{glue:math\} (\S+)", source, flags=re.MULTILINE)
            found[path.stem] = (shown, read_ledger(ledger, verification_ledger.code_hash(cells)))
    return found


def main(build: Path) -> None:
    records = chapter_records(build)
    checks = [r for _, rows in records.values() for r in rows if isinstance(r, Check)]
    bound = display_badges.bound_displays(checks)
    print(f"{'chapter':<26}{'derived':>8}{'bound':>7}{'definitions':>13}{'mistakes':>10}")
    totals = [0, 0, 0, 0]
    for chapter, (shown, rows) in records.items():
        kinds = {r.key: r.kind for r in rows if isinstance(r, Display)}
        displays = {k: kinds.get(k, "derived") for k in shown}  # glued without derivations.glue: unbound
        derived = [k for k, kind in displays.items() if kind == "derived"]
        row = [
            len(derived),
            sum(k in bound for k in derived),
            sum(kind == "definition" for kind in displays.values()),
            sum(kind == "mistake" for kind in displays.values()),
        ]
        totals = [t + r for t, r in zip(totals, row, strict=True)]
        print(f"{chapter:<26}" + "".join(f"{v:>{w}}" for v, w in zip(row, (8, 7, 13, 10), strict=True)))
    print(f"{'total':<26}" + "".join(f"{v:>{w}}" for v, w in zip(totals, (8, 7, 13, 10), strict=True)))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build")
