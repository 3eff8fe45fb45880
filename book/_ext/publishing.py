"""Sphinx extension: the buttons that lead off the page work, or are not there.

- The repository is where the book is published from, never a placeholder: ``BOOK_REPOSITORY`` or, in
  GitHub Actions, ``GITHUB_REPOSITORY`` (``owner/name``), on branch ``BOOK_BRANCH`` (default ``main``).
  Without one (a local build), the repository, issue, edit-this-page and launch buttons are left out:
  they would lead nowhere.
- Binder opens the chapters as notebooks: ``binder/`` installs the book's pinned requirements and this
  package, and makes Jupytext's notebook view JupyterLab's default for Markdown. Colab is not offered:
  it opens only ``.ipynb`` files in a repository, and the chapters are MyST Markdown.
- Every chapter can be downloaded as an executed ``.ipynb`` (built from its ``.md``); when the book
  knows its repository, the notebook's first cell installs the pinned requirements and this package from
  it, so the notebook runs anywhere.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.config import Config

OWNER_AND_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9_.-]+")
BRANCH = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*")
#: The first cell of a downloaded notebook starts with this line, so it is added only once.
INSTALL_MARK = "# Installs the book's pinned requirements and its packages (checks, derivations, experiments)."


def published_from() -> tuple[str, str] | None:
    """The repository (``owner/name``) and branch the book is published from, or None outside CI."""
    name = os.environ.get("BOOK_REPOSITORY") or os.environ.get("GITHUB_REPOSITORY", "")
    branch = os.environ.get("BOOK_BRANCH") or "main"
    if not OWNER_AND_NAME.fullmatch(name):
        return None
    if not BRANCH.fullmatch(branch) or ".." in branch:
        raise ValueError(f"BOOK_BRANCH={branch!r} is not a branch name")
    return name, branch


def theme_options(options: dict, found: tuple[str, str] | None) -> dict:
    """The theme's options with the repository filled in, or with every button that needs one removed."""
    options = dict(options)
    launch = {k: v for k, v in options.get("launch_buttons", {}).items() if k != "colab_url"}
    buttons = ("use_repository_button", "use_issues_button", "use_edit_page_button")
    if found:
        name, branch = found
        options.update(repository_url=f"https://github.com/{name}", repository_branch=branch)
        options.update(dict.fromkeys(buttons, True))
    else:
        options.pop("repository_url", None)
        options.update(dict.fromkeys(buttons, False))
        launch.pop("binderhub_url", None)
    options["launch_buttons"] = launch
    return options


def on_config_inited(app: Sphinx, config: Config) -> None:
    config.html_theme_options = theme_options(config.html_theme_options, published_from())


def on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Offer the executed notebook for download (the theme does so only when a launch button is configured)."""
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if app.builder.format != "html" or not executed.exists() or not context.get("sourcename", "").endswith(".md"):
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def with_install_cell(notebook: nbformat.NotebookNode, found: tuple[str, str]) -> nbformat.NotebookNode:
    """``notebook`` whose first cell installs the requirements and this package from the repository's branch."""
    if notebook.cells and notebook.cells[0].source.startswith(INSTALL_MARK):
        return notebook
    name, branch = found
    requirements = f"https://raw.githubusercontent.com/{name}/{branch}/requirements.txt"
    package = f"backprop-verified @ git+https://github.com/{name}@{branch}"
    source = f'{INSTALL_MARK}\n%pip install -r {requirements} "{package}"'
    notebook.cells.insert(0, nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]}))
    return notebook


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    found = published_from()
    if exception is not None or found is None or app.builder.format != "html":
        return
    for path in sorted((Path(app.outdir) / "_sources").rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        nbformat.write(with_install_cell(notebook, found), path)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", on_config_inited)
    # Before the theme's header buttons (priority 501), which offer the notebook if the context names it.
    app.connect("html-page-context", on_page_context, priority=500)
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
