"""The packages import one way: experiments and derivations may import checks and answers, answers may import
checks, checks imports none of them.

Read from the source (every ``import`` statement, also those inside functions), so a cycle is found
even where Python would happen to resolve it at run time. Imports under ``if TYPE_CHECKING:`` never run:
they are what a type checker reads, and are left out.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import answers
import checks
from tests.conftest import ROOT

PACKAGES = ("answers", "checks", "derivations", "experiments")


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The project modules that ``path`` imports (``from checks import ledger`` is ``checks.ledger``)."""
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for block in [n for n in ast.walk(tree) if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]:
        block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found & modules


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the project modules it imports, over answers/, checks/, derivations/ and experiments/."""
    paths = {module_name(p, root): p for package in PACKAGES for p in sorted((root / package).rglob("*.py"))}
    return {name: imported_modules(path, set(paths)) - {name} for name, path in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as a path that ends where it starts, or [] if there is none."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, nxt])):
                return cycle
        state[node] = "done"
        return []

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return []


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    top = {m: m.split(".")[0] for m in graph}
    packages: dict[str, set[str]] = {p: set() for p in top.values()}
    for module, imports in graph.items():
        packages[top[module]].update(top[i] for i in imports if top[i] != top[module])
    return packages


def test_modules_import_without_a_cycle():
    assert find_cycle(import_graph()) == []


def test_packages_import_one_way():
    packages = package_graph(import_graph())
    assert find_cycle(packages) == []
    assert packages["checks"] == set()
    assert packages["answers"] <= {"checks"}
    assert packages["derivations"] <= {"checks", "answers"}


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_graph_reads_imports_inside_functions(tmp_path):
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "__init__.py").write_text("")
    (tmp_path / "checks" / "a.py").write_text("def f():\n    from checks import b\n")
    (tmp_path / "checks" / "b.py").write_text("import checks.a\n")
    graph = import_graph(tmp_path)
    assert graph["checks.a"] == {"checks", "checks.b"} and graph["checks.b"] == {"checks.a"}
    assert find_cycle(graph) == ["checks.a", "checks.b", "checks.a"]


@pytest.mark.parametrize("package", ["checks.failures", "derivations"])
def test_light_modules_do_not_import_torch(package):
    """The step checker and the failure types load without torch (2 s a chapter that needs no torch)."""
    code = f"import sys, {package}; assert 'torch' not in sys.modules, 'torch was imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_package_imports_its_names_on_first_use():
    assert checks.check_answer is answers.check_answer
    assert "check_answer" in dir(checks)
    with pytest.raises(AttributeError) as caught:
        _ = checks.check_everything
    assert str(caught.value) == "module 'checks' has no attribute 'check_everything'"
