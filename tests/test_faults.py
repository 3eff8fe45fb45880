"""Faults in the build: an interrupted build, a chapter that hangs, a damaged execution cache."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.books import GOOD_CHAPTER, build, build_command, write_book

SLOW_CHAPTER = """
    # Slow

    ```{code-cell} ipython3
    import time

    from checks import assert_close

    time.sleep(SECONDS)
    assert_close(2 ** 10, 1024, name="a kibi")
    print("slow chapter done")
    ```
"""


def article(html_file: Path) -> str:
    """A page's content without what legitimately differs between builds (build time, asset hashes)."""
    text = html_file.read_text()
    text = re.sub(r"<p class='build-info'>.*?</p>", "", text, flags=re.S)
    return re.sub(r"\?v=[0-9a-f]+", "", text)


def cached_notebooks(book: Path) -> list[Path]:
    return sorted((book / "_build" / ".jupyter_cache" / "executed").glob("*/base.ipynb"))


def test_interrupted_build_then_rebuild_gives_the_same_site(tmp_path):
    # The build is killed within milliseconds of logging that the slow chapter started, and its kernel
    # alone takes over a second to start and import torch: one more second of sleep is ample margin,
    # and the resumed and the clean build below each sleep it once more.
    chapters = {"good": GOOD_CHAPTER, "slow": SLOW_CHAPTER.replace("SECONDS", "1")}
    interrupted = write_book(tmp_path / "interrupted", chapters)
    with subprocess.Popen(
        build_command(interrupted),
        cwd=interrupted,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        for line in process.stdout:  # kill it while the slow chapter is executing
            if "slow.md: Executing notebook" in line:
                break
        os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode != 0

    resumed = build(interrupted)
    assert resumed.returncode == 0, (resumed.stdout + resumed.stderr)[-3000:]
    clean = write_book(tmp_path / "clean", chapters)
    assert build(clean).returncode == 0
    pages = sorted(p.relative_to(clean / "_build" / "html") for p in (clean / "_build" / "html").rglob("*.html"))
    assert pages == sorted(
        p.relative_to(interrupted / "_build" / "html") for p in (interrupted / "_build" / "html").rglob("*.html")
    )
    for page in pages:
        assert article(interrupted / "_build" / "html" / page) == article(clean / "_build" / "html" / page), page
    assert "slow chapter done" in (interrupted / "_build" / "html" / "book" / "slow.html").read_text()


def test_a_chapter_that_hangs_fails_the_build_with_its_name(tmp_path):
    book = write_book(
        tmp_path / "book",
        {"hangs": SLOW_CHAPTER.replace("SECONDS", "120")},
        config_changes={"timeout: 600": "timeout: 2"},  # any timeout will do: the cell sleeps for 120 s
    )
    built = build(book)
    log = built.stdout + built.stderr
    assert built.returncode != 0
    assert "hangs.md" in log and re.search(r"timed out|Timeout", log), log[-3000:]


GENUINE_CHAPTER = GOOD_CHAPTER + '\n    ```{code-cell} ipython3\n    print("genuine output")\n    ```\n'


@pytest.fixture(scope="module")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small book built once; each cache test below damages its own copy of it."""
    book = write_book(tmp_path_factory.mktemp("built") / "book", {"good": GENUINE_CHAPTER})
    built = build(book)
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    return book


def copy_of(book: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(book, tmp_path / "book", symlinks=True))


def test_a_corrupt_execution_cache_is_detected_and_rebuilt(built_book, tmp_path):
    book = copy_of(built_book, tmp_path)
    for notebook in cached_notebooks(book):
        notebook.write_text('{"not a notebook": ')

    rebuilt = build(book)
    log = rebuilt.stdout + rebuilt.stderr
    assert rebuilt.returncode == 0, log[-3000:]
    assert "cannot be trusted" in log and "unreadable" in log
    assert log.count("Executing notebook") == 1, "the chapter must run again"
    assert all(n.read_text().startswith("{\n") for n in cached_notebooks(book)), "the cache was not refilled"


def test_a_tampered_cached_output_is_never_served(built_book, tmp_path):
    book = copy_of(built_book, tmp_path)
    (tampered,) = [n for n in cached_notebooks(book) if "genuine output" in n.read_text()]
    tampered.write_text(tampered.read_text().replace("genuine output\\n", "forged output\\n"))

    rebuilt = build(book)
    log = rebuilt.stdout + rebuilt.stderr
    assert rebuilt.returncode == 0, log[-3000:]
    assert "changed after the build that wrote it" in log
    page = (book / "_build" / "html" / "book" / "good.html").read_text()
    assert "genuine output" in page and "forged output" not in page


def test_an_unreadable_cache_database_is_detected(built_book, tmp_path):
    book = copy_of(built_book, tmp_path)
    (book / "_build" / ".jupyter_cache" / "global.db").write_bytes(b"this is not SQLite" * 100)
    rebuilt = build(book)
    assert rebuilt.returncode == 0, (rebuilt.stdout + rebuilt.stderr)[-3000:]
    assert "database is unreadable" in rebuilt.stdout + rebuilt.stderr


def test_a_change_to_the_books_code_runs_every_chapter_again(built_book, tmp_path):
    """Outputs are keyed on a chapter's cells; the book's packages changing must not leave them stale."""
    book = copy_of(built_book, tmp_path)
    (book / "checks").mkdir()
    (book / "checks" / "extra.py").write_text("LIMIT = 1\n")
    first = build(book)
    assert first.returncode == 0 and "changed since its outputs were made" in first.stdout + first.stderr
    unchanged = build(book)
    assert "Executing notebook" not in unchanged.stdout + unchanged.stderr, "nothing changed: nothing runs"
    (book / "checks" / "extra.py").write_text("LIMIT = 2\n")
    rebuilt = build(book)
    log = rebuilt.stdout + rebuilt.stderr
    assert rebuilt.returncode == 0, log[-3000:]
    assert "changed since its outputs were made" in log and log.count("Executing notebook") == 1
