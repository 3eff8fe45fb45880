"""Sphinx extension: a build that warned is not called up to date by the next one.

With ``-W --keep-going``, Sphinx reports every warning and then fails, but it still saves its
environment. The next build, with nothing changed, finds every page up to date, re-reads nothing,
emits no warning and says "build succeeded" over a dangling reference. Sphinx itself discards the
saved environment when a build raises; this does the same when a build warned, so the next build
reads every page again (the executed notebooks still come from the cache) and reports the same
warnings until they are fixed.

Worth its one private read (``app._warncount``: Sphinx counts warnings nowhere public, and sets the failing
status code only after ``build-finished``): without it, a second ``make book`` said "build succeeded" over
a dangling reference (tests/test_book.py builds a broken book twice). Rebuilding every page each time
(``-E``) would do the same at the cost of the no-op build; a line in the Makefile would miss builds
run with ``jupyter-book build`` directly, as the tests run them.
"""

from __future__ import annotations

from pathlib import Path

from compat import warning_count
from sphinx.application import ENV_PICKLE_FILENAME, Sphinx


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    # Exactly when Sphinx will fail the build for its warnings (Sphinx.build: `_warncount and keep_going`,
    # which -W --keep-going sets); there is no public count. A build without -W keeps its environment.
    count = warning_count(app)
    if (count is None or count > 0) and app.keep_going:  # no count to read: discard, never pass a warned build
        Path(app.doctreedir, ENV_PICKLE_FILENAME).unlink(missing_ok=True)


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
