"""The book is built strictly and every chapter is run: proven by breaking a temporary book on purpose."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, toc_chapters
from tests.books import GOOD_CHAPTER, build, nbval, run, write_book

GENERATED_PAGES = {ROOT / "book" / "ledger.md", ROOT / "book" / "references.md"}
#: The Sources page is links, each resolved (or failed) by the strict build.
LINK_PAGES = {ROOT / "book" / "sources.md"}
BROKEN_ASSERT = """
    # Broken

    ```{code-cell} ipython3
    assert 1 + 1 == 3, "arithmetic is broken"
    ```
"""

BROKEN_REFERENCE = """
    # Dangling

    See {eq}`eq-dangling-nowhere`, which no page defines.

    ```{code-cell} ipython3
    assert True
    ```
"""

# A derived display whose check was typed again beside it (sin 2x for the display's 2 sin x cos x), and one
# glued with MyST-NB's own glue: every cell passes, and the build must refuse both displays by name.
UNBOUND_DISPLAYS = """
    # Unbound

    ```{code-cell} ipython3
    import sympy as sp
    import torch
    from myst_nb import glue as unrecorded_glue

    from checks import check_gradient
    from derivations import Derivation, glue

    x = sp.Symbol("x", real=True)
    d = Derivation(sp.Derivative(sp.sin(x) ** 2, x), name="d/dx sin²x").step(2 * sp.sin(x) * sp.cos(x), "chain rule")
    glue("unbound-derivative", d)
    unrecorded_glue("unbound-unrecorded", sp.cos(x) ** 2, display=False)
    check_gradient(lambda t: torch.sin(t) ** 2, [sp.sin(2 * x)], [x])
    ```

    ```{glue:math} unbound-derivative
    :label: eq-unbound-derivative
    ```

    ```{glue:math} unbound-unrecorded
    :label: eq-unbound-unrecorded
    ```
"""


def test_every_chapter_in_the_toc_is_run_by_nbval():
    collected = run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "book"], ROOT)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    ran = {(ROOT / m).resolve() for m in re.findall(r"^(book/\S+\.md)::Cell \d+$", collected.stdout, re.M)}
    expected = set(toc_chapters()) - GENERATED_PAGES - LINK_PAGES
    assert ran == expected, (
        f"in _toc.yml but not run: {sorted(map(str, expected - ran))}; "
        f"run but not in _toc.yml: {sorted(map(str, ran - expected))}"
    )


def test_only_generated_pages_have_no_code():
    # Every chapter checks what it derives; only pages the build fills in itself may be prose.
    for page in GENERATED_PAGES:
        assert "{verification-ledger}" in page.read_text() or "{bibliography}" in page.read_text(), page
    assert GENERATED_PAGES <= set(toc_chapters())
    for page in LINK_PAGES:
        text = page.read_text()
        assert "{code-cell}" not in text and text.count("](") + text.count("{ref}") > 20, page


def test_default_test_run_includes_the_book():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "book" in config["testpaths"]


def test_no_chapter_file_is_left_out_of_the_toc():
    stray = set((ROOT / "book").glob("*.md")) - set(toc_chapters())
    assert not stray, (
        f"chapters not listed in _toc.yml (they would be neither built nor tested): {sorted(map(str, stray))}"
    )


def test_no_chapter_silences_a_linter():
    # ruff does not read a chapter's cells, so a noqa marker there hides nothing and only shows the reader noise.
    silenced = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*toc_chapters(), ROOT / "templates" / "chapter.md"]
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"#\s*noqa\b", line)
    ]
    assert not silenced, f"`# noqa` in a chapter's code: {silenced}"


def test_the_chapter_template_passes_as_is(tmp_path):
    # Also the control for the two tests below: they fail because of the injected fault, not the set-up.
    template = (ROOT / "templates" / "chapter.md").read_text()
    body = template.split("---\n", 2)[2]  # write_book adds the front matter itself
    book = write_book(tmp_path / "book", {"template": body})
    tested, built = nbval(book), build(book)
    assert tested.returncode == 0 and "passed" in tested.stdout, tested.stdout
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]


def test_a_failing_assert_fails_nbval_and_the_build_naming_the_chapter(tmp_path):
    book = write_book(tmp_path / "book", {"broken": BROKEN_ASSERT})

    tested = nbval(book)
    assert tested.returncode != 0, tested.stdout
    assert "FAILED book/broken.md::Cell 0" in tested.stdout, tested.stdout
    assert "arithmetic is broken" in tested.stdout

    built = build(book)
    assert built.returncode != 0, built.stdout[-3000:]
    assert "broken.md" in built.stdout + built.stderr
    assert "arithmetic is broken" in built.stdout + built.stderr


def test_a_chapter_nbval_ran_is_served_to_the_build_from_the_cache(tmp_path):
    """`make test` executes each chapter once: nbval's run fills the execution cache and the ledger."""
    book = write_book(tmp_path / "book", {"good": GOOD_CHAPTER})
    tested = nbval(book)
    assert tested.returncode == 0, tested.stdout
    built = build(book)
    log = built.stdout + built.stderr
    assert built.returncode == 0, log[-3000:]
    assert "Using cached notebook" in log and "Executing notebook" not in log, log[-3000:]
    ledger = book / "_build" / ".jupyter_cache" / "backprop-ledger"
    assert any('"quantity": "the answer"' in f.read_text() for f in ledger.glob("*.jsonl"))  # its check, recorded
    # nbval runs the chapter again, replacing the cached notebook the build has vouched for: still trusted.
    assert nbval(book).returncode == 0
    again = build(book)
    assert again.returncode == 0 and "cannot be trusted" not in again.stdout + again.stderr, again.stdout[-3000:]


def test_a_display_no_check_consumed_fails_the_build_by_name(tmp_path):
    book = write_book(tmp_path / "book", {"unbound": UNBOUND_DISPLAYS})
    built = build(book)
    log = built.stdout + built.stderr
    assert built.returncode != 0, log[-3000:]
    assert "derived display 'unbound-derivative' is not bound to any check" in log, log[-3000:]
    assert "display 'unbound-unrecorded' was glued without derivations.glue" in log, log[-3000:]


def test_a_broken_equation_reference_fails_the_build_every_time(tmp_path):
    book = write_book(tmp_path / "book", {"dangling": BROKEN_REFERENCE})
    # Built twice: Sphinx saves its environment after a build that only warned, and without
    # book/_ext/warnings_persist.py the unchanged second build would find nothing to do and succeed.
    for attempt in ("first", "second"):
        built = build(book)
        log = built.stdout + built.stderr
        assert built.returncode != 0, f"{attempt} build: " + log[-3000:]
        assert "dangling.md" in log and "eq-dangling-nowhere" in log, f"{attempt} build: " + log[-3000:]


def test_the_book_builds_with_zero_warnings(book_build):
    log = book_build.stdout + book_build.stderr
    assert book_build.returncode == 0, log[-5000:]
    # Sphinx warnings read "path: WARNING: ..."; ipykernel's "[IPKernelApp] WARNING | ... TCP" is not one.
    assert not re.search(r"WARNING:", log), [line for line in log.splitlines() if "WARNING:" in line]
    assert (ROOT / "_build" / "html" / "index.html").exists()


def test_the_saved_environment_holds_no_page_twice(book_build):
    """sphinx-exercise's registry keeps its nodes detached from their pages (book/_ext/lean_environment.py).

    Attached, each of them carried its whole page into Sphinx's saved environment: 2.0 MB, loaded by
    every build, against 0.3 MB detached.
    """
    assert book_build.returncode == 0
    with (ROOT / "_build" / ".doctrees" / "environment.pickle").open("rb") as saved:
        registry = pickle.load(saved).sphinx_exercise_registry
    attached = [
        label
        for label, entry in registry.items()
        if entry["node"].parent is not None or any(part.document is not None for part in entry["node"].findall())
    ]
    assert len(registry) > 40 and not attached, f"{len(registry)} exercises and solutions; attached: {attached}"


def test_every_solution_names_its_numbered_exercise(site):
    """What sphinx-exercise reads from its registry when it writes a page, with the registry's nodes detached."""
    total = 0
    for chapter in toc_chapters():
        source = chapter.read_text()
        solutions = source.count("```{solution}") + source.count("```{solution-start}")
        page = (site / chapter.relative_to(ROOT)).with_suffix(".html").read_text()
        linked = re.findall(r'Solution to<a class="reference internal" href="#\w+"> Exercise [\d.]+</a>', page)
        assert len(linked) == solutions, f"{chapter.name}: {solutions} solutions, {len(linked)} linked to an exercise"
        total += solutions
    assert total > 20, total


def _would_run(target: str) -> str:
    """The commands ``make <target>`` would run here (``make -n``: printed, not run)."""
    result = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"make {target}: {result.stderr}"
    return result.stdout


def test_readme_commands_are_what_ci_runs():
    commands = [line.split("#")[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert [c for c in commands if c and c.startswith(("make", "python", "pytest"))] == ["make test"]
    readme = (ROOT / "README.md").read_text()
    targets = sorted(set(re.findall(r"^\s*make (\w+)", readme, flags=re.M)))
    assert {"book", "test"} <= set(targets), targets
    for target in targets:
        _would_run(target)  # every target the README gives exists
    ci = _would_run("test")
    for step in ("ruff check", "ruff format --check", "mypy", "-m pytest -n 2 book", "-m pytest -n 2 tests"):
        assert step in ci, f"make test does not run {step!r}; it runs:\n{ci}"


@pytest.mark.parametrize("pin", ["torch==2.13.0", "jupyter-book==1.0.4.post1"])
def test_requirements_are_pinned(pin):
    lines = [
        line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip()
    ]
    requirements = [line for line in lines if line]
    assert pin in requirements
    assert all("==" in line for line in requirements), [line for line in requirements if "==" not in line]


def test_the_ledger_lists_the_chapters_in_the_books_order(site):
    page = (site / "book" / "ledger.html").read_text(encoding="utf-8")
    listed = [
        Path(name).stem
        for name in re.findall(r'<details class="ledger-chapter" data-chapter="([^"]+)" id="[^"]+">', page)
    ]
    in_toc = [p.stem for p in toc_chapters()]
    assert listed == [name for name in in_toc if name in listed] and len(listed) >= 15
    assert '<strong class="ledger-chapter-title">Introduction</strong>' in page
    linked = re.findall(r'<p class="ledger-chapter-link"><a class="reference internal" href="([^"]+)">', page)
    assert [Path(href).stem for href in linked] == listed
