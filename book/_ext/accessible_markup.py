"""Sphinx extension: HTML that other extensions write in a way WCAG 2.1 AA (as axe-core checks it) rejects.

- A hidden code cell's toggle (MyST-NB) is a ``<summary>`` whose visible text, "Show code cell source", is
  not in its accessible name, "Toggle hidden content" (axe: label-content-name-mismatch). Written here
  without that name, the summary is announced by what it shows.
- A bibliography (docutils' citations) is a ``role="list"`` whose entries have the deprecated role
  ``doc-biblioentry`` instead of ``listitem``, so the list has no items and its links count as its
  children (axe: aria-required-children, aria-deprecated-role). Each entry is written as a list item.

The theme's search button is fixed in its template (book/_templates/components/search-button-field.html),
the colours in the book's stylesheets; ``tests/test_browser.py`` runs axe on every page.
"""

from __future__ import annotations

from html import escape

from compat import HideCodeCellNode
from docutils import nodes
from sphinx.application import Sphinx


def visit_hidden_cell_input(self, node: HideCodeCellNode) -> None:
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def depart_hidden_cell_input(self, node: HideCodeCellNode) -> None:
    self.body.append("</details>\n")


def visit_citation(self, node: nodes.citation) -> None:
    if not isinstance(node.previous_sibling(), nodes.citation):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def depart_citation(self, node: nodes.citation) -> None:
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), nodes.citation):
        self.body.append("</div>\n")


def setup(app: Sphinx) -> dict:
    app.setup_extension("myst_nb")  # its own visitor of HideCodeCellNode is registered first, then replaced
    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell_input, depart_hidden_cell_input))
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
