"""Sphinx extension: Sphinx's saved environment stays small, because every build loads it first.

sphinx-exercise keeps each exercise and solution node in the environment, to number and link them.
A docutils node refers to its whole document, and a solution node is still attached to its page:
so the saved environment carried a copy of every page with exercises (1.5 MB of its 2.0 MB), loaded on
every build, the no-op build included. The registry only needs each node's class,
attributes and children: it keeps detached copies that refer to no document.

Worth its coupling to sphinx-exercise's registry (``env.sphinx_exercise_registry``): the environment went
from 2.0 MB to 0.3 MB, and the no-op build is faster for it (bench/README.md, "Measured behind the
extensions"). The HTML is byte for byte the same. tests/test_book.py checks that
the saved registry holds no page and that every solution still names its exercise.
"""

from __future__ import annotations

from compat import exercise_registry
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def detach_exercise_nodes(app: Sphinx, env: BuildEnvironment) -> None:
    for entry in exercise_registry(env).values():
        node = entry["node"]
        if node.parent is not None:
            node = entry["node"] = node.deepcopy()  # a copy has no parent
        for part in node.findall():
            part.document = None


def setup(app: Sphinx) -> dict:
    app.connect("env-updated", detach_exercise_nodes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
