"""Sphinx extension: the execution cache is verified before it is trusted, and discarded if it is corrupt.

MyST-NB serves a chapter's outputs from jupyter-cache whenever its code is unchanged. A damaged
cache would then either crash the build with a traceback or, worse, serve outputs that no check
produced. Before anything is read, every cached notebook must parse, its code must still hash to
its key, and its bytes must match the checksum recorded when the last build finished; the database
must pass SQLite's integrity check. Otherwise the whole cache and Sphinx's saved environment are
removed (with a message saying why), so every chapter is read and executed afresh.

MyST-NB keys a chapter's outputs on the chapter's code alone, so a change to the book's own packages
(``answers/``, ``derivations/``, ``checks/``, ``experiments/``) would leave every page showing what the old code
printed and checked. The cache records a hash of those packages; when it differs, the cache is
discarded in the same way and every chapter runs against the code as it is.

Worth its coupling to jupyter-cache (its on-disk layout: ``global.db``, ``executed/<key>/base.ipynb``):
without it a damaged cache crashed the build or served outputs no check produced (tests/test_faults.py).
It costs a no-op build almost nothing: a notebook whose bytes match the checksum recorded by the last
finished build is not parsed again (bench/README.md, "Measured behind the extensions").
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import nbformat
from compat import CacheBundleIn, JupyterCacheBase, cache_database, executed_notebook, read_myst_notebook
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)
CHECKSUMS = "backprop-checksums.json"


def cache_dir(app: Sphinx) -> Path:
    return Path(app.outdir).parent / ".jupyter_cache"  # where MyST-NB keeps it by default


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hashkeys(cache: Path) -> list[str]:
    with sqlite3.connect(cache_database(cache)) as db:
        (status,) = db.execute("PRAGMA integrity_check").fetchone()
        if status != "ok":
            raise sqlite3.DatabaseError(status)
        return [key for (key,) in db.execute("SELECT hashkey FROM nbcache")]


def problems(cache: Path) -> list[str]:
    """What is wrong with the cache at ``cache`` (empty if it is sound or absent)."""
    if not cache_database(cache).exists():
        return []
    try:
        keys = _hashkeys(cache)
    except sqlite3.Error as err:
        return [f"its database is unreadable ({err})"]
    checksums_file = cache / CHECKSUMS
    try:
        checksums = json.loads(checksums_file.read_text()) if checksums_file.exists() else {}
    except json.JSONDecodeError:
        return ["its checksum file is corrupt"]
    found = []
    hasher = JupyterCacheBase(cache)  # hashes as MyST-NB does; its database is opened only if used, and it is not
    for key in keys:
        path = executed_notebook(cache, key)
        if not path.exists():
            found.append(f"the notebook for {key} is missing")
            continue
        data = path.read_bytes()
        if checksums.get(key) == _sha256(data):
            continue  # byte for byte what the build that wrote it checked: no need to parse it again
        try:
            notebook = nbformat.reads(data.decode("utf-8"), nbformat.NO_CONVERT)
            nbformat.validate(notebook)
        except Exception as err:  # nbformat raises several unrelated types for bad files
            found.append(f"the notebook for {key} is unreadable ({type(err).__name__})")
            continue
        if hasher.create_hashed_notebook(notebook)[1] != key:
            found.append(f"the notebook for {key} no longer matches its key")
        elif key in checksums:  # its bytes differ from the recorded checksum (checked above)
            found.append(f"the notebook for {key} changed after the build that wrote it")
    return found


#: The book's own code: a chapter's outputs depend on it as much as on the chapter's cells.
PACKAGES = ("answers", "derivations", "checks", "experiments")
CODE_STAMP = "backprop-code.json"


def code_hash(root: Path) -> str:
    """A hash of every file of the book's packages (source, grammar), by path and content."""
    digest = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def stale(cache: Path, root: Path) -> list[str]:
    """Why the cache's outputs no longer follow from the book's code (empty if they do, or there is no cache)."""
    if not cache_database(cache).exists():
        return []
    stamp = cache / CODE_STAMP
    recorded = json.loads(stamp.read_text()).get("code") if stamp.exists() else None
    if recorded != code_hash(root):
        return [f"the code in {', '.join(p + '/' for p in PACKAGES)} changed since its outputs were made"]
    return []


def discard_if_untrusted(cache: Path, root: Path, doctrees: Path) -> list[str]:
    """Remove the cache (and Sphinx's saved environment) if it cannot be trusted; return why, or [] if it can."""
    found = problems(cache) or stale(cache, root)
    if found:
        shutil.rmtree(cache)
        # Sphinx's saved environment would still call every page up to date: read (and execute) all again.
        shutil.rmtree(doctrees, ignore_errors=True)
    return found


def on_config_inited(app: Sphinx, config: Config) -> None:
    cache = cache_dir(app)
    found = discard_if_untrusted(cache, Path(app.srcdir), Path(app.doctreedir))
    if found:
        logger.info(
            f"execution cache {cache} cannot be trusted ({'; '.join(found[:3])}): discarded it, every chapter will "
            "run again"
        )


def store_executed(root: Path, chapter: Path, outputs: list[list[dict]], seconds: float) -> None:
    """Cache a chapter that nbval executed (``make test``), as if the build had: the build then serves it.

    ``outputs`` holds each code cell's outputs in order, as nbval collected them from the kernel. The
    notebook is read from the chapter as MyST-NB reads it, so it has the key the build will look for.
    The caller must hold a lock: two processes adding to jupyter-cache's database at once could clash.
    """
    notebook = read_myst_notebook(chapter.read_text(encoding="utf-8"), chapter)
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    if len(cells) != len(outputs):
        raise ValueError(f"{chapter.name}: {len(outputs)} cells ran, but MyST-NB reads {len(cells)}")
    for count, (cell, cell_outputs) in enumerate(zip(cells, outputs, strict=True), start=1):
        cell.outputs = [nbformat.from_dict(o) for o in cell_outputs]
        cell.execution_count = count
    cache = root / "_build" / ".jupyter_cache"
    record = JupyterCacheBase(str(cache)).cache_notebook_bundle(
        CacheBundleIn(notebook, str(chapter), data={"execution_seconds": seconds}), check_validity=False, overwrite=True
    )
    # Vouch for the new bytes, as the build does for what it wrote: a notebook replaced under an old checksum
    # would otherwise read as tampered with, and the whole cache would be discarded.
    checksums_file = cache / CHECKSUMS
    checksums = json.loads(checksums_file.read_text()) if checksums_file.exists() else {}
    checksums[record.hashkey] = _sha256(executed_notebook(cache, record.hashkey).read_bytes())
    checksums_file.write_text(json.dumps(checksums, indent=1))
    (cache / CODE_STAMP).write_text(json.dumps({"code": code_hash(root)}))


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    cache = cache_dir(app)
    if exception is None and cache_database(cache).exists():
        checksums = {key: _sha256(executed_notebook(cache, key).read_bytes()) for key in _hashkeys(cache)}
        (cache / CHECKSUMS).write_text(json.dumps(checksums, indent=1))
        (cache / CODE_STAMP).write_text(json.dumps({"code": code_hash(Path(app.srcdir))}))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", on_config_inited)
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
