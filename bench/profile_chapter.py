"""Where a chapter's execution time goes: its code cells run in one IPython shell under cProfile.

    python -m bench.profile_chapter book/attention.md [--top 15]

Prints the wall time of each cell that took more than a tenth of the whole, then the book's functions with
the most time spent in them and below, then every function by the time spent in itself. `make bench` profiles
the slowest chapters of its clean build this way.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]


def profile_chapter(chapter: Path, top: int = 15) -> str:
    """The chapter's slow cells and its top functions by cumulative time, as text."""
    from IPython.core.interactiveshell import InteractiveShell

    notebook = jupytext.read(chapter, fmt="md:myst")
    cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    shell = InteractiveShell.instance()
    profiler = cProfile.Profile()
    timings: list[tuple[float, int, str]] = []
    cwd = Path.cwd()
    os.chdir(chapter.parent)  # chapters read and write files beside themselves, as the build runs them
    try:
        for number, source in enumerate(cells, start=1):
            start = time.perf_counter()
            with redirect_stdout(io.StringIO()):
                profiler.enable()
                result = shell.run_cell(source, silent=True)
                profiler.disable()
            timings.append((time.perf_counter() - start, number, source.strip().splitlines()[0][:70]))
            if not result.success:
                raise RuntimeError(f"{chapter.name}: code cell {number} failed: {result.error_in_exec!r}")
    finally:
        os.chdir(cwd)
        InteractiveShell.clear_instance()
    total = sum(t for t, _, _ in timings)
    lines = [f"{chapter.stem}: {len(cells)} code cells, {total:.1f} s"]
    lines += [f"  cell {n:3}  {t:6.2f} s  {first}" for t, n, first in sorted(timings, reverse=True) if t > total / 10]
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    # The book's own functions by time spent in them and below (IPython's frames would head that list), then every
    # function by time spent in itself alone.
    stats.sort_stats("cumulative").print_stats(r"(checks|derivations|experiments)/", top)
    stats.sort_stats("tottime").print_stats(top)
    lines.append(report.getvalue().replace(str(ROOT) + "/", "").replace(sys.prefix + "/", ""))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapter", type=Path, nargs="+")
    parser.add_argument("--top", type=int, default=15, help="how many functions to list")
    args = parser.parse_args()
    for chapter in args.chapter:
        print(profile_chapter(chapter.resolve(), args.top))


if __name__ == "__main__":
    main()
