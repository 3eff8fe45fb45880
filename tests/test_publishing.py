"""The links that lead off a page work: every download is a file of the site, every repository or launch link has
the form its service reads, and a button that could not work is not there."""

from __future__ import annotations

import stat
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import jupytext
import nbformat
import pytest

from conftest import ROOT, toc_chapters

sys.path.insert(0, str(ROOT / "book" / "_ext"))
publishing = pytest.importorskip("publishing")

OPTIONS = {
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com"},
    "repository_url": "https://github.com/placeholder/placeholder",
    "use_repository_button": True,
}


def test_without_a_repository_no_button_needs_one(monkeypatch):
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    monkeypatch.delenv("BOOK_REPOSITORY", raising=False)
    options = publishing.theme_options(OPTIONS, publishing.published_from())
    assert "repository_url" not in options
    assert not options["use_repository_button"] and not options["use_issues_button"]
    assert options["launch_buttons"] == {}  # no Binder without a repository, never Colab


def test_the_repository_is_where_the_book_is_published_from(monkeypatch):
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/backprop-book")
    monkeypatch.delenv("BOOK_REPOSITORY", raising=False)
    monkeypatch.delenv("BOOK_BRANCH", raising=False)
    options = publishing.theme_options(OPTIONS, publishing.published_from())
    assert options["repository_url"] == "https://github.com/someone/backprop-book"
    assert options["repository_branch"] == "main" and options["use_edit_page_button"]
    assert options["launch_buttons"] == {"binderhub_url": "https://mybinder.org"}
    monkeypatch.setenv("BOOK_BRANCH", "main; rm -rf /")
    with pytest.raises(ValueError, match="is not a branch name"):
        publishing.published_from()


def test_a_downloaded_notebook_installs_the_requirements_and_the_package_once():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import checks")])
    once = publishing.with_install_cell(notebook, ("someone/backprop-book", "main"))
    twice = publishing.with_install_cell(once, ("someone/backprop-book", "main"))
    assert len(twice.cells) == 2
    source = twice.cells[0].source
    assert "%pip install -r https://raw.githubusercontent.com/someone/backprop-book/main/requirements.txt" in source
    assert '"backprop-verified @ git+https://github.com/someone/backprop-book@main"' in source


def test_binder_opens_the_chapters_as_notebooks_with_the_books_packages():
    post_build = ROOT / "binder" / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR, "Binder runs postBuild only if it is executable"
    script = post_build.read_text()
    assert "pip install --no-deps ." in script and '"markdown": "Jupytext Notebook"' in script
    assert "-r ../requirements.txt" in (ROOT / "binder" / "requirements.txt").read_text()
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


class HeaderLinks(HTMLParser):
    """The links inside a page's header buttons (repository, launch, download)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # of open elements inside the header buttons; 0 outside them
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if self.depth or "article-header-buttons" in (attributes.get("class") or "").split():
            self.depth += tag not in VOID
            if tag == "a" and attributes.get("href"):
                self.links.append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1


VOID = {"img", "br", "hr", "input", "meta", "link", "source", "wbr"}


def header_links(page: Path) -> list[str]:
    parser = HeaderLinks()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


@pytest.mark.parametrize("chapter", [p for p in toc_chapters() if "{code-cell}" in p.read_text()], ids=lambda p: p.stem)
def test_every_header_link_of_a_chapter_leads_somewhere(site, chapter):
    relative = chapter.relative_to(ROOT).with_suffix(".html").as_posix()
    page = site / relative
    links = header_links(page)
    assert any(link.endswith(".ipynb") for link in links), f"{relative} offers no notebook: {links}"
    found = publishing.published_from()
    for link in links:
        url = urlparse(link)
        if not url.scheme:
            target = urlparse(urljoin(f"file:///{relative}", link)).path.lstrip("/")
            assert (site / target).is_file(), f"{relative}: {link} is not a file of the site"
        elif found is None:
            raise AssertionError(f"{relative}: a local build links to {link}, which it cannot know")
        else:
            name, branch = found
            allowed = (
                f"https://github.com/{name}",
                f"https://mybinder.org/v2/gh/{name}/{branch}?urlpath=lab/tree/{chapter.relative_to(ROOT).as_posix()}",
            )
            assert link.startswith(allowed), f"{relative}: {link} has no form its service reads"
    notebook = nbformat.read(site / "_sources" / chapter.relative_to(ROOT).with_suffix(".ipynb"), as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    expected = [c.source for c in jupytext.read(chapter).cells if c.cell_type == "code"]
    assert code[-len(expected) :] == expected and len(code) == len(expected) + (found is not None)
