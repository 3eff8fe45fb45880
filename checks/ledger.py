"""A record of every check run during the build, for the book's verification ledger page.

Two record types, each with its JSON form: a :class:`Check` (a comparison or an identity, passed or
failed) and a :class:`Display` (a glued display, with how each of its steps was verified). The book's
readers (``book/_ext/verification_ledger.py``, ``book/_ext/display_badges.py``, ``bench/displays.py``)
read them back as the same types, so a field is named in one place.

The book's Sphinx extension sets three environment variables before each chapter executes: the ledger
directory, the chapter's name and a hash of its code. Each record is then appended as one JSON line to
``<dir>/<code hash>.jsonl``. Keyed by code, like the execution cache: a chapter served from the cache
finds the records of the run that filled it, and records of older code are never mistaken for current
ones. Outside the build (a reader's notebook, nbval, the unit tests) nothing is recorded.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal, Self, get_args

LEDGER_DIR_ENV = "BACKPROP_LEDGER_DIR"
CHAPTER_ENV = "BACKPROP_CHAPTER"
CODE_HASH_ENV = "BACKPROP_CHAPTER_HASH"

#: What a check compared: a derivative with autograd's, values with values, or two expressions.
Kind = Literal["gradient", "Jacobian", "Hessian", "value", "identity"]
KINDS: tuple[Kind, ...] = get_args(Kind)
#: The kinds that compare a SymPy derivative with torch.autograd's at random points.
DERIVATIVE_KINDS: frozenset[Kind] = frozenset({"gradient", "Jacobian", "Hessian"})
#: How a glued display stands in the book: derived (must be bound to a check), or declared exempt.
DisplayKind = Literal["derived", "definition", "mistake"]
DISPLAY_KINDS: tuple[DisplayKind, ...] = get_args(DisplayKind)


class Method(StrEnum):
    """How an identity (a derivation step, ``verify_equal``) was proved."""

    SYMBOLIC = "symbolic"  # SymPy simplified the difference to zero
    NUMERIC = "numeric"  # equal to 40 digits at random points, in 50-digit arithmetic


def _strings(values: Iterable[str], name: str) -> tuple[str, ...]:
    found = tuple(values)
    if not all(isinstance(v, str) for v in found):
        raise ValueError(f"{name} must be strings, not {found!r}")
    return found


class _Line:
    """A record's JSON form is one line; read back, it must be a record of this type."""

    @classmethod
    def from_json(cls, text: str) -> Self:
        found = from_json(text)
        if not isinstance(found, cls):
            raise ValueError(f"not a {cls.__name__.lower()}: {text}")
        return found


@dataclass(frozen=True)
class Check(_Line):
    """One check: what it compared, how closely, whether it passed, and the displays it was built from.

    ``method``: how an identity that passed was proved (None for a comparison of numbers, and for an
    identity that was refuted); ``independent``: the other side is a computation of its own (autograd,
    PyTorch's forward or backward), not another display or identity; ``expected_failure``: it failed
    inside ``checks.expect_failure``, a mistake caught on purpose. ``chapter`` and ``expected_failure``
    are filled in when the check is recorded.
    """

    kind: Kind
    quantity: str
    passed: bool
    wrt: tuple[str, ...] = ()
    points: int = 0
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    max_normwise_rel_error: float | None = None
    method: Method | None = None
    displays: tuple[str, ...] = ()
    independent: bool = False
    expected_failure: bool = False
    chapter: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"a check's kind is one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.method is not None and not isinstance(self.method, Method):
            object.__setattr__(self, "method", Method(self.method))
        if self.method is not None and (self.kind != "identity" or not self.passed):
            raise ValueError(f"only an identity that passed has a method, not a {self.kind} that passed={self.passed}")
        if self.expected_failure and self.passed:
            raise ValueError("a check that passed is not an expected failure")
        object.__setattr__(self, "wrt", _strings(self.wrt, "wrt"))
        object.__setattr__(self, "displays", tuple(sorted(_strings(self.displays, "displays"))))

    def to_json(self) -> str:
        """One line of JSON: every field by name, the method by its value."""
        fields = dataclasses.asdict(self)
        fields["method"] = None if self.method is None else self.method.value
        return json.dumps({"record": "check", **fields}, ensure_ascii=False)


@dataclass(frozen=True)
class Display(_Line):
    """A glued display: its key, whether it is derived or declared exempt, and how each step was verified."""

    key: str
    kind: DisplayKind
    steps: tuple[Method, ...] = ()
    chapter: str = ""

    def __post_init__(self) -> None:
        if self.kind not in DISPLAY_KINDS:
            raise ValueError(f"a display's kind is one of {', '.join(DISPLAY_KINDS)}, not {self.kind!r}")
        object.__setattr__(self, "steps", tuple(Method(s) for s in self.steps))

    def to_json(self) -> str:
        fields = {"key": self.key, "kind": self.kind, "steps": [s.value for s in self.steps], "chapter": self.chapter}
        return json.dumps({"record": "display", **fields}, ensure_ascii=False)


Record = Check | Display
_TYPES: Mapping[str, type[Check] | type[Display]] = {"check": Check, "display": Display}


def from_json(text: str) -> Record:
    """The record one line of JSON holds (ValueError if it holds none: a field missing, unknown or of the wrong
    type)."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("record") not in _TYPES:
        raise ValueError(f"not a ledger record: {text}")
    fields = {k: v for k, v in data.items() if k != "record"}
    record_type = _TYPES[data["record"]]
    names = {f.name: f for f in dataclasses.fields(record_type)}
    if set(fields) - set(names):
        raise ValueError(f"unknown fields {sorted(set(fields) - set(names))} in {text}")
    try:
        return record_type(**fields)
    except TypeError as err:  # a required field missing
        raise ValueError(f"{err} in {text}") from None


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


def record(entry: Record) -> None:
    """Append ``entry`` to the executing chapter's ledger, labelled with the chapter; a check that failed
    inside :func:`expecting_failures` as a mistake caught on purpose. Nothing outside the build."""
    directory, chapter = os.environ.get(LEDGER_DIR_ENV), os.environ.get(CHAPTER_ENV)
    code_hash = os.environ.get(CODE_HASH_ENV)
    if not directory or not chapter or not code_hash:
        return
    if isinstance(entry, Check):
        entry = dataclasses.replace(entry, chapter=chapter, expected_failure=not entry.passed and _expecting > 0)
    else:
        entry = dataclasses.replace(entry, chapter=chapter)
    path = ledger_file(Path(directory), code_hash)
    mode = "a" if path in _started else "w"
    _started.add(path)
    with path.open(mode, encoding="utf-8") as f:
        f.write(entry.to_json() + "\n")


def read_ledger(directory: Path, code_hash: str) -> list[Record]:
    """The records of the chapter whose code has this hash; [] if it never ran (ValueError if corrupt)."""
    path = ledger_file(directory, code_hash)
    if not path.exists():
        return []
    try:
        return [from_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
        raise ValueError(f"the ledger file {path} is corrupt ({err})") from None
