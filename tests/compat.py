"""Where the test harness reaches into nbval's and pytest-xdist's internals: every such use, in one place.

Checked against nbval 0.11.0 and pytest-xdist 3.8.0 (requirements.txt); tests/test_compat.py fails, naming
what changed, when an upgrade changes either.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import nbformat
import nbval.plugin
from xdist.scheduler import LoadScopeScheduling

#: The versions each use below was checked against.
CHECKED_AGAINST = {"nbval": "0.11.0", "pytest-xdist": "3.8.0"}


@contextmanager
def nbval_reads(notebook: nbformat.NotebookNode) -> Iterator[None]:
    """While active, nbval's ``IPyNbFile.collect`` reads ``notebook`` instead of parsing its file as .ipynb.

    nbval 0.11.0 reads the file with ``nbformat.read`` through its own module's name, and offers no hook.
    """
    with mock.patch.object(nbval.plugin.nbformat, "read", lambda *args, **kwargs: notebook):
        yield


class ScopeScheduling(LoadScopeScheduling):
    """pytest-xdist's ``--dist loadscope`` with the scope of a test given by :meth:`scope`.

    pytest-xdist 3.8.0 asks the private ``_split_scope`` for a test's scope: tests of one scope run on one
    worker, in order.
    """

    def scope(self, nodeid: str) -> str:
        raise NotImplementedError

    def _split_scope(self, nodeid: str) -> str:
        return self.scope(nodeid)
