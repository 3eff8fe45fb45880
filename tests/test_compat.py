"""Every use of another tool's internals still holds for the installed version.

The uses live in three modules, one per side: ``book/_ext/compat.py`` (Sphinx, MyST-NB, jupyter-cache,
sphinx-exercise, the theme), ``checks/compat.py`` (SymPy, mpmath) and ``tests/compat.py`` (nbval,
pytest-xdist). Each test checks one internal does what the book relies on, and fails naming it; an upgrade
of a tool fails first here, asking for its uses to be checked again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from types import ModuleType

import mpmath
import nbformat
import nbval.plugin
import pytest
import sympy as sp
from docutils import nodes
from sphinx.testing.util import SphinxTestApp
from xdist.scheduler import LoadScopeScheduling

import tests.compat as test_compat
from checks import compat
from tests.conftest import ROOT
from tests.helpers import extension

build_compat = extension("compat")
REQUIREMENTS = (ROOT / "requirements.txt").read_text(encoding="utf-8")
MODULES = [build_compat, compat, test_compat]


@pytest.mark.parametrize(
    ("package", "checked"),
    [(p, v) for module in MODULES for p, v in module.CHECKED_AGAINST.items()],
)
def test_each_tool_is_the_version_its_internals_were_checked_against(package, checked):
    installed = importlib.metadata.version(package).split("+")[0]
    assert installed == checked, (
        f"{package} is {installed}, but its internals were checked against {checked}: check each use in "
        f"the compat module that names it (and the tests here), then update CHECKED_AGAINST"
    )


@pytest.mark.parametrize(("package", "checked"), [(p, v) for m in MODULES for p, v in m.CHECKED_AGAINST.items()])
def test_a_pinned_tool_is_pinned_at_the_checked_version(package, checked):
    pinned = re.search(rf"^{re.escape(package)}==(\S+)", REQUIREMENTS, flags=re.M | re.I)
    if pinned is None:
        pytest.skip(f"{package} comes with another package; the test above checks its installed version")
    assert pinned.group(1) == checked, f"requirements.txt pins {package}=={pinned.group(1)}, checked {checked}"


# SymPy and mpmath (checks/compat.py).


def test_a_float_becomes_an_mpmath_number_with_all_its_digits():
    assert hasattr(sp.Float(1), "_mpf_"), "SymPy's Float no longer keeps its digits in _mpf_"
    with mpmath.workdps(50):
        got = compat.float_as_mpf(sp.Float("0.1", 50))
        assert isinstance(got, mpmath.mpf)
        assert abs(got - mpmath.mpf("0.1")) < mpmath.mpf(10) ** -49, f"Float._mpf_ lost digits: {got}"


def test_evalf_gives_a_function_its_precision_in_bits():
    seen = []

    class Probe(sp.Function):
        def _eval_evalf(self, prec):
            seen.append(prec)
            return sp.Float(1, compat.digits_of_precision(prec))

    Probe(sp.Integer(1)).evalf(30)
    assert seen, "SymPy no longer calls a function's _eval_evalf"
    assert compat.digits_of_precision(seen[0]) >= 30, f"_eval_evalf got {seen[0]}, not bits for 30 digits"
    assert compat.digits_of_precision(53) == 15


def test_a_function_prints_its_argument_through_the_printer():
    class Shown(sp.Function):
        def _latex(self, printer, exp=None):
            return rf"\operatorname{{S}}\left({compat.print_argument(printer, self.args[0])}\right)"

    x = sp.Symbol("x")
    assert sp.latex(Shown(x**2)) == r"\operatorname{S}\left(x^{2}\right)"


def test_the_lambdify_module_is_found_under_its_own_name():
    module = compat.lambdify_module()
    assert isinstance(module, ModuleType), "sys.modules['sympy.utilities.lambdify'] is no longer a module"
    assert callable(module.lambdify), "sympy.utilities.lambdify (the module) has no function lambdify"
    assert module.lambdify is sp.lambdify, "sp.lambdify is not the function in sympy.utilities.lambdify"


def test_evalf_and_n_are_defined_in_a_mixin_every_expression_has():
    mixin = compat.evalf_mixin()
    assert {"evalf", "n"} <= set(vars(mixin)), f"{mixin.__name__} no longer defines evalf and n"
    assert issubclass(sp.Expr, mixin) and not issubclass(mixin, sp.Basic)


def test_sympifying_strictly_refuses_text_and_freezes_a_matrix():
    """The answer package's specs rely on SymPy's private ``_sympify`` for both."""
    with pytest.raises(sp.SympifyError):
        compat.strict_sympify("x + 1")
    frozen = compat.strict_sympify(sp.Matrix([1, 2]))
    assert isinstance(frozen, sp.ImmutableMatrix), f"_sympify gave a {type(frozen).__name__}, not an ImmutableMatrix"


# The build (book/_ext/compat.py).


@pytest.fixture
def built(tmp_path: Path) -> Iterator[Callable[[str], SphinxTestApp]]:
    """Builds a one-page project with sphinx-exercise; each app is cleaned up after the test, so that the node
    classes it registered do not make a later Sphinx app in this process warn."""
    apps: list[SphinxTestApp] = []

    def build(index: str) -> SphinxTestApp:
        source = tmp_path / "source"
        source.mkdir()
        (source / "conf.py").write_text('extensions = ["sphinx_exercise"]\n', encoding="utf-8")
        (source / "index.rst").write_text(index, encoding="utf-8")
        apps.append(SphinxTestApp("html", srcdir=source, builddir=tmp_path / "out", status=StringIO()))
        apps[-1].build()
        return apps[-1]

    yield build
    for app in apps:
        app.cleanup()


def test_sphinx_counts_a_builds_warnings_and_exercise_keeps_its_registry(built):
    index = "Title\n=====\n\n.. exercise:: One\n   :label: ex-one\n\n   Text.\n\nSee :doc:`missing`.\n"
    app = built(index)
    assert build_compat.warning_count(app) == 1, "Sphinx no longer counts a build's warnings in _warncount"
    registry = build_compat.exercise_registry(app.env)
    assert "ex-one" in registry, "sphinx-exercise no longer keeps env.sphinx_exercise_registry by label"
    assert isinstance(registry["ex-one"]["node"], build_compat.exercise_enumerable_node)
    assert issubclass(build_compat.exercise_latex_number_reference, nodes.Element)


def test_a_notebook_stored_in_the_cache_lands_where_the_build_reads_it(tmp_path):
    chapter = tmp_path / "chapter.md"
    text = "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  name: python3\n"
    text += "  display_name: Python 3\n---\n\n# Title\n\n```{code-cell} ipython3\n1 + 1\n```\n"
    notebook = build_compat.read_myst_notebook(text, chapter)
    assert [c.source for c in notebook.cells if c.cell_type == "code"] == ["1 + 1"]
    cache = tmp_path / "cache"
    record = build_compat.JupyterCacheBase(str(cache)).cache_notebook_bundle(
        build_compat.CacheBundleIn(notebook, str(chapter), data={}), check_validity=False, overwrite=True
    )
    assert build_compat.executed_notebook(cache, record.hashkey).exists(), "jupyter-cache moved its notebooks"
    with sqlite3.connect(build_compat.cache_database(cache)) as db:
        keys = [key for (key,) in db.execute("SELECT hashkey FROM nbcache")]
    assert keys == [record.hashkey], "jupyter-cache's database no longer lists its notebooks in nbcache"
    stored = nbformat.read(build_compat.executed_notebook(cache, record.hashkey), as_version=4)
    assert [c.source for c in stored.cells if c.cell_type == "code"] == ["1 + 1"]


def test_lark_js_writes_its_runtime_then_its_tables_and_memo_as_json():
    from lark import Lark
    from larkjs.__main__ import generate_js_standalone

    standalone = generate_js_standalone(Lark('start: "a"+', parser="lalr"))
    runtime, data, memo = build_compat.lark_js_parts(standalone)
    assert "Lark" in runtime and "var DATA" not in runtime, "the runtime no longer comes first"
    assert isinstance(json.loads(data), dict) and isinstance(json.loads(memo), dict), "DATA or MEMO is no longer JSON"
    with pytest.raises(ValueError, match="no longer ends with"):
        build_compat.lark_js_parts(runtime)


def test_myst_nbs_nodes_and_directives_are_where_the_book_extends_them():
    assert issubclass(build_compat.HideCodeCellNode, nodes.Element)
    assert callable(build_compat.PasteMathDirective.run)


def _theme_file(name: str) -> str:
    import pydata_sphinx_theme

    return (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / name).read_text("utf-8")


@pytest.mark.parametrize("block", sorted(build_compat.THEME_BLOCKS))
def test_the_theme_blocks_the_book_restates_are_unchanged(block):
    found = re.search(rf"\{{%-? block {block} %\}}.*?\{{%-? endblock {block} %\}}", _theme_file("layout.html"), re.S)
    assert found, f"pydata-sphinx-theme's layout.html has no block {block}: book/_templates/layout.html restates it"
    digest = hashlib.sha256(found.group(0).encode()).hexdigest()[:16]
    assert digest == build_compat.THEME_BLOCKS[block], (
        f"pydata-sphinx-theme changed its block {block}: restate it in book/_templates/layout.html, then update "
        "THEME_BLOCKS"
    )


def test_the_search_button_is_the_themes_less_its_label():
    theme = _theme_file("components/search-button-field.html")
    ours = (ROOT / "book" / "_templates" / "search-button-field.html").read_text(encoding="utf-8")

    def button(html: str) -> str:
        return html[html.index("<button") :].strip()

    assert button(ours) == button(theme).replace(" aria-label=\"{{ _('Search') }}\"", ""), (
        "pydata-sphinx-theme changed its search button: restate it in book/_templates/search-button-field.html"
    )


# The test harness (tests/compat.py).


def test_nbval_reads_a_notebook_through_its_own_nbformat():
    assert "nbformat.read(" in inspect.getsource(nbval.plugin.IPyNbFile.collect), (
        "nbval no longer reads a notebook with nbformat.read in IPyNbFile.collect: tests/compat.py's nbval_reads"
    )
    notebook = nbformat.v4.new_notebook()
    with test_compat.nbval_reads(notebook):
        assert nbval.plugin.nbformat.read("any.ipynb", as_version=4) is notebook
    assert nbval.plugin.nbformat.read is nbformat.read


def test_nbval_keeps_what_the_harness_reads():
    source = inspect.getsource(nbval.plugin)
    assert "self.test_outputs = outs" in source, "nbval no longer keeps a cell's outputs in test_outputs"
    assert "self.compare_outputs" in source, "nbval no longer decides output comparison by compare_outputs"


def test_xdist_asks_the_scope_of_each_test():
    assert "self._split_scope(" in inspect.getsource(LoadScopeScheduling), (
        "pytest-xdist's LoadScopeScheduling no longer asks _split_scope for a test's scope"
    )

    class ByFile(test_compat.ScopeScheduling):
        def scope(self, nodeid: str) -> str:
            return nodeid.split("::")[0]

    scheduling = ByFile.__new__(ByFile)  # its scope needs no workers
    assert scheduling._split_scope("book/a.md::Cell 3") == "book/a.md"
