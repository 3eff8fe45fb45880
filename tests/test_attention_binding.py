"""The attention chapter's checks consume its displays: a model that drops 1/√d everywhere fails the chapter.

Dropping the factor consistently, from the pulled-back scores, the dQ and dK steps and the matrix forms, leaves
every derivation step and every link between the index and matrix forms valid, so only a check against PyTorch
that is built from the displayed objects can catch it. The chapter runs in a kernel that imports a copy of
``derivations`` so mutated, and must fail at its check against ``F.scaled_dot_product_attention``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent

#: Each factor 1/√d in derivations/attention.py, and how often it occurs: the model (the pulled-back scores), the
#: dQ and dK steps, and compact_forms' dQ and dK.
SCALES = {"/ sp.sqrt(d)": 3, "/ sp.sqrt(sizes[2])": 2}


def without_scale(package: Path) -> None:
    """Remove every 1/√d from the attention derivations in the copy of ``derivations`` at ``package``."""
    module = package / "attention.py"
    source = module.read_text(encoding="utf-8")
    for factor, count in SCALES.items():
        assert source.count(factor) == count, f"derivations/attention.py no longer has {count} × {factor!r}"
        source = source.replace(factor, "")
    module.write_text(source, encoding="utf-8")


def test_without_scale_changes_only_the_scale(tmp_path):
    shutil.copytree(ROOT / "derivations", tmp_path / "derivations")
    without_scale(tmp_path / "derivations")
    mutated = (tmp_path / "derivations" / "attention.py").read_text(encoding="utf-8")
    assert "sqrt" not in mutated
    original = (ROOT / "derivations" / "attention.py").read_text(encoding="utf-8")
    assert len(original) - len(mutated) == sum(len(f) * count for f, count in SCALES.items())


def test_the_chapter_fails_when_the_model_drops_the_scale(tmp_path):
    shutil.copytree(ROOT / "derivations", tmp_path / "derivations", ignore=shutil.ignore_patterns("__pycache__"))
    without_scale(tmp_path / "derivations")
    notebook = jupytext.read(ROOT / "book" / "attention.md")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    client = NotebookClient(
        notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": ROOT / "book"}}
    )
    with pytest.raises(CellExecutionError) as failure:
        client.execute(env=env)
    message = str(failure.value)
    assert "GradientMismatch" in message, message[-2000:]
    assert "∂L/∂Q" in message or "∂L/∂K" in message, message[-2000:]
    failed = next(c for c in notebook.cells if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    assert "F.scaled_dot_product_attention" in failed.source and "check_gradient" in failed.source, failed.source
