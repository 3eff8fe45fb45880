"""Benchmarks with targets (`make bench`): build times against a floor, rebuilds, test time, accuracy.

Writes bench/results.json and prints one line per figure with its target. Run on the 2-core
machine the targets are set for. `--skip-ci` and `--skip-test` skip the two slowest figures
(a clean clone's `.ci/run`, and `make test`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
import yaml

from bench.profile_chapter import profile_chapter
from bench.reading import REFERENCE, reading_times

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
THEORY_PARTS = {"Foundations", "Networks"}
FLOOR_CODE = "import sympy, torch"
PROFILED = 3  # how many of the slowest chapters are profiled


def run(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, result


def copy_book(target: Path) -> Path:
    """The book's sources (not its build, venv or caches) in a fresh folder."""
    ignore = shutil.ignore_patterns("_build", ".venv", ".git", ".pytest_cache", ".hypothesis", "mutants", "*.ipynb")
    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    return target


def build(book: Path, strict: bool = True) -> tuple[float, subprocess.CompletedProcess]:
    flags = ["-W", "-n", "--keep-going"] if strict else []
    return run([str(BIN / "jupyter-book"), "build", str(book), *flags], cwd=book)


def execution_times(log: str) -> dict[str, float]:
    """Per-chapter execution seconds, from MyST-NB's "<path>: Executed notebook in N seconds" lines."""
    return {
        match.group(1): float(match.group(2))
        for match in re.finditer(r"(book/\w+)\.md: Executed notebook in ([\d.]+) seconds", log)
    }


def theory_chapters() -> set[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return {c["file"] for part in toc["parts"] if part["caption"] in THEORY_PARTS for c in part["chapters"]}


def make_floor(book: Path) -> None:
    """Replace every code cell by a bare import: what any executed chapter costs at the least."""
    for path in (book / "book").glob("*.md"):
        text = path.read_text()
        if "{code-cell}" not in text:
            continue
        notebook = jupytext.reads(text, fmt="md:myst")
        # The comment keeps chapters with equally many cells from sharing one execution-cache entry.
        notebook.cells = [
            nbformat.v4.new_code_cell(f"{FLOOR_CODE}  # {path.stem} {i}") if c.cell_type == "code" else c
            for i, c in enumerate(notebook.cells)
        ]
        path.write_text(jupytext.writes(notebook, fmt="md:myst"))


def figure(name: str, value: float, target: float | None, unit: str, note: str = "") -> dict:
    met = None if target is None else value <= target
    mark = "" if met is None else ("✓" if met else "✗ MISSED")
    target_text = "" if target is None else f"(target ≤ {target:g} {unit})"
    print(f"{name:48} {value:10.3g} {unit:3} {target_text:22} {mark} {note}")
    return {"value": value, "target": target, "unit": unit, "met": met, "note": note}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-ci", action="store_true", help="skip the clean-clone .ci/run timing")
    parser.add_argument("--skip-test", action="store_true", help="skip the `make test` timing")
    args = parser.parse_args()
    results: dict[str, dict] = {"machine": {"cores": os.cpu_count()}}

    with tempfile.TemporaryDirectory() as tmp:
        real = copy_book(Path(tmp) / "real")
        clean_seconds, built = build(real)
        assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
        floor = copy_book(Path(tmp) / "floor")
        make_floor(floor)
        floor_seconds, floor_built = build(floor, strict=False)  # the floor has no checks, so no ledger
        real_exec, floor_exec = execution_times(built.stdout), execution_times(floor_built.stdout)
        theory = theory_chapters()
        ratio = sum(real_exec.get(c, 0) for c in theory) / max(sum(floor_exec.get(c, 0) for c in theory), 1e-9)
        results["clean_build_s"] = figure("clean strict build", clean_seconds, None, "s")
        results["floor_build_s"] = figure("floor build (code cells: bare imports)", floor_seconds, None, "s")
        results["build_vs_floor"] = figure("clean build / floor build", clean_seconds / floor_seconds, None, "×")
        results["theory_execution_vs_floor"] = figure("theory chapters: execution / floor execution", ratio, 1.5, "×")
        results["chapter_execution_s"] = {
            c: {"real": t, "floor": floor_exec.get(c), "ratio": t / floor_exec[c] if floor_exec.get(c) else None}
            for c, t in sorted(real_exec.items())
        }
        slowest_first = sorted(real_exec.items(), key=lambda kv: -kv[1])
        for chapter, t in slowest_first:
            floor_t = floor_exec.get(chapter, float("nan"))
            print(f"    {chapter:40} {t:6.1f} s   (floor {floor_t:5.1f} s, {t / floor_t:4.1f}×)")
        # Where the slowest chapters spend their time: written beside the results, one profile per chapter.
        profiles = [profile_chapter(real / f"{chapter}.md", top=20) for chapter, _ in slowest_first[:PROFILED]]
        (ROOT / "bench" / "profiles.txt").write_text("\n\n".join(profiles) + "\n")

        # Three samples: one build of 3 s on a shared machine is noise as much as measurement.
        noop_samples = sorted(build(real)[0] for _ in range(3))
        samples_text = "samples " + ", ".join(f"{t:.2f}" for t in noop_samples) + " s"
        results["noop_rebuild_s"] = figure("no-op rebuild (median of 3)", noop_samples[1], 3, "s", samples_text)
        chapter = real / "book" / "log_sum_exp.md"
        chapter.write_text(chapter.read_text().replace("sits under every", "sits beneath every", 1))
        edit_seconds, _ = build(real)
        results["edit_one_chapter_s"] = figure("edit one chapter's prose → rebuilt HTML", edit_seconds, 5, "s")

        summary = json.loads((real / "_build" / ".jupyter_cache" / "backprop-ledger" / "summary.json").read_text())
        checks = f"over {summary['checks']} recorded checks"
        # A gradient's relative error is measured against the gradient's size (normwise): an entry that
        # cancels O(1) terms to 1e-4 carries float64 rounding of the O(1) terms, in SymPy's and autograd's
        # evaluation alike. The entry-by-entry figure is reported beside it.
        results["largest_rel_error"] = figure(
            "largest rel. error SymPy vs autograd (normwise)",
            summary["max_normwise_rel_error_sympy_vs_autograd"],
            1e-12,
            "",
            checks,
        )
        results["largest_entrywise_rel_error"] = figure(
            "  … entry by entry", summary["max_rel_error_sympy_vs_autograd"], None, "", checks
        )

        # A phone (390 × 844, CPU throttled 4×): how soon each chapter's mathematics is readable, as a
        # ratio to a page without mathematics measured in the same run, and what each page transfers.
        reading = reading_times(real / "_build" / "html")
        chapters = {p: r for p, r in reading.items() if p != REFERENCE}
        slowest = max(chapters, key=lambda p: chapters[p]["ratio"])
        heaviest = max(chapters, key=lambda p: chapters[p]["bytes"])
        results["reading"] = reading
        results["slowest_chapter_to_read_vs_references"] = figure(
            "phone, CPU ÷4: slowest chapter to readable math ÷ references page",
            chapters[slowest]["ratio"],
            1.5,
            "×",
            f"{slowest}: {chapters[slowest]['seconds']:.2f} s against {reading[REFERENCE]['seconds']:.2f} s",
        )
        results["heaviest_chapter_mb"] = figure(
            "heaviest chapter page, images excluded", chapters[heaviest]["bytes"] / 1e6, 1.5, "MB", heaviest
        )

    if not args.skip_test:
        # The browser tests write one record per page; records of pages that no longer exist must not count.
        shutil.rmtree(ROOT / "_build" / "browser-report", ignore_errors=True)
        test_seconds, tested = run(["make", "test"], cwd=ROOT)
        results["make_test_s"] = figure(
            "make test (.venv present)", test_seconds, 180, "s", f"exit {tested.returncode}"
        )
        records = [json.loads(p.read_text()) for p in (ROOT / "_build" / "browser-report").glob("*.json")]
        if records:
            results["browser"] = {
                "pages": len(records),
                "equations": sum(r["equations"] for r in records),
                "glued_equations": sum(r["glued"] for r in records),
                "external_requests": sum(r["external_requests"] for r in records),
            }
            print(f"{'browser (from make test)':48} {results['browser']}")

    if not args.skip_ci:
        with tempfile.TemporaryDirectory() as tmp:
            clone = Path(tmp) / "clone"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            ci_seconds, ci = run(["bash", ".ci/run"], cwd=clone, env={**os.environ, "CI": "true"})
            # `.ci/run` is `make test` on a fresh clone: the venv, npm and Chromium are set up first.
            results["ci_clean_clone_s"] = figure(
                "make test from a fresh clone (.ci/run)", ci_seconds, 300, "s", f"exit {ci.returncode}"
            )

    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {ROOT / 'bench' / 'results.json'}")


if __name__ == "__main__":
    main()
