"""Derived results are displayed from SymPy: a display typed by hand in a chapter must be listed, with why.

Hand-typed display math is for definitions and for quoting a mistake; a derived result typed by hand is
allowed only where the next cell checks it. ``book/hand_typed_displays.yml`` lists every such display
with its kind and reason, so a new one cannot slip in unexamined.
"""

from __future__ import annotations

import re

import yaml

from conftest import toc_chapters
from tests.conftest import ROOT

REGISTRY = ROOT / "book" / "hand_typed_displays.yml"
KINDS = {"definition", "mistake", "checked"}
DISPLAY = re.compile(r"^\$\$\n(.*?)\n\$\$", re.S | re.M)


def normalized(tex: str) -> str:
    return " ".join(tex.split())


def hand_typed_displays() -> set[tuple[str, str]]:
    """Every ``$$ … $$`` block of every chapter, as (chapter file, TeX with whitespace collapsed)."""
    found = set()
    for chapter in toc_chapters():
        text = chapter.read_text(encoding="utf-8")
        found |= {(chapter.relative_to(ROOT).as_posix(), normalized(m)) for m in DISPLAY.findall(text)}
    return found


def registry() -> list[dict]:
    return yaml.safe_load(REGISTRY.read_text(encoding="utf-8")) or []


def test_every_hand_typed_display_is_listed_with_its_kind_and_reason():
    listed = {(e["page"], normalized(e["tex"])) for e in registry()}
    unlisted = sorted(hand_typed_displays() - listed)
    assert not unlisted, (
        "hand-typed displays not in book/hand_typed_displays.yml (glue a derived result from SymPy instead, "
        f"or list it with its kind and reason): {unlisted}"
    )


def test_the_list_holds_only_displays_that_exist_each_with_a_known_kind_and_a_reason():
    present = hand_typed_displays()
    for entry in registry():
        assert entry["kind"] in KINDS, f"{entry['page']}: kind {entry['kind']!r} is not one of {sorted(KINDS)}"
        assert entry.get("reason", "").strip(), f"{entry['page']}: {entry['tex'][:60]!r} has no reason"
        assert (entry["page"], normalized(entry["tex"])) in present, f"{entry['page']} no longer has {entry['tex']!r}"
