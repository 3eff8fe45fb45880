"""The GitHub Actions workflow is valid (actionlint), runs `make test`, and publishes with the Pages actions."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or "actionlint"


def actionlint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ACTIONLINT, "-no-color", str(path)], capture_output=True, text=True, timeout=120)


def test_workflow_passes_actionlint():
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_tests_on_every_push_and_publishes_main():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    test_steps = [step.get("run", "") for step in workflow["jobs"]["test"]["steps"]]
    assert "make test" in test_steps
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "test" and "refs/heads/main" in publish["if"]
    used = {step.get("uses", "").split("@")[0] for step in publish["steps"]}
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= used
