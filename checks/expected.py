"""Showing a mistake being caught: a block that must fail, recorded in the ledger as caught on purpose."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from checks import ledger


@dataclass
class CaughtFailure:
    """The failure an :func:`expect_failure` block caught (``error`` is set when the block ends)."""

    error: BaseException | None = None

    def __str__(self) -> str:
        return str(self.error)

    def __repr__(self) -> str:
        return f"Caught, as intended: {type(self.error).__name__}\n{self.error}"

    def _repr_html_(self) -> str:
        """One readable message in the page: what failed and why, never a traceback.

        The page wraps the message between words; ``x_1 = 0.548``, an entry's ``(1, 2)`` and a derivative's
        ``∂L/∂x_3`` are kept on one line (joined by no-break spaces and a word joiner after the slash), so that
        a name is never parted from its value, nor a numerator from its denominator.
        """
        return (
            '<div class="caught-failure" role="note"><p class="caught-failure-title">Caught, as intended: '
            f"<code>{html.escape(type(self.error).__name__)}</code></p>"
            f"<pre>{_unbroken(html.escape(str(self.error)))}</pre></div>"
        )


_ASSIGNMENT = re.compile(r"(?<=\S) = (?=\S)")
_POSITION = re.compile(r"\(\d+(?:, \d+)+\)")


def _unbroken(text: str) -> str:
    """``text`` with each ``name = value`` and ``(1, 2)`` joined by no-break spaces, and ``∂L/∂x`` unbreakable."""
    text = _ASSIGNMENT.sub("\u00a0=\u00a0", text).replace("/∂", "/\u2060∂")
    return _POSITION.sub(lambda position: position.group().replace(", ", ",\u00a0"), text)


@contextmanager
def expect_failure(kind: type[BaseException] = AssertionError, *, match: str = "") -> Iterator[CaughtFailure]:
    """Assert that the block raises ``kind`` (with ``match`` in its message), and swallow it.

    >>> import sympy as sp, torch
    >>> from checks import check_gradient
    >>> x = sp.Symbol("x")
    >>> with expect_failure(match="∂f/∂x") as caught:
    ...     check_gradient(lambda t: t**2, [3 * x], [x])
    >>> type(caught.error).__name__
    'GradientMismatch'
    """
    caught = CaughtFailure()
    with ledger.expecting_failures():
        try:
            yield caught
        except kind as error:
            if match not in str(error):
                raise AssertionError(f"the block failed, but its message lacks {match!r}: {error}") from error
            caught.error = error
            return
    raise AssertionError(f"expected the block to fail with {kind.__name__}, but it passed")
