"""Sphinx extension: the book as one PDF (``make pdf``, Jupyter Book's LaTeX builder), offered by the HTML book.

LaTeX builds:

- The preamble is ``latex/backprop.sty``: code in a monospace font that has the code cells' sub- and
  superscripts, and the two code-cell environments of sphinx-jupyterbook-latex. Its own document class
  (``jupyterBook.cls``) is not used: it requires ``bbm.sty`` (texlive-fonts-extra, 508 MB) and pgfplots,
  for nothing in this book; ``latex_documents`` in ``_config.yml`` names Sphinx's ``manual`` class instead.
- An answer box checks a typed formula in the browser: on paper it becomes a line that says so.
- Exercises are numbered as in the HTML book (Exercise 3.3, not 3.7.3), equations and figures per chapter.
- A reference to an exercise in another chapter points at the label sphinx-exercise writes for it in
  LaTeX (it rewrites only references within a chapter; the others came out as "Exercise ??").

HTML builds: when ``make pdf`` has written the PDF, it is copied to the site's root and every page's
download menu offers it. Without a PDF there is no entry, so no build shows a dead link.
"""

from __future__ import annotations

from pathlib import Path

from compat import exercise_enumerable_node, exercise_latex_number_reference, exercise_registry
from docutils import nodes
from sphinx.addnodes import number_reference
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform

STYLE = Path(__file__).parent / "latex" / "backprop.sty"
ANSWER_BOX = 'class="answer-box"'
ANSWER_BOX_NOTE = "Answer box: type your answer in the HTML edition of this book, which checks it as you type."


def pdf_name(config: Config) -> str:
    """The PDF's file name, from the target of the (single) LaTeX document."""
    return Path(config.latex_documents[0][1]).with_suffix(".pdf").name


def on_config_inited(app: Sphinx, config: Config) -> None:
    config.latex_additional_files = [*config.latex_additional_files, str(STYLE)]
    elements = dict(config.latex_elements)
    elements["preamble"] = elements.get("preamble", "") + "\n\\usepackage{backprop}\n"
    config.latex_elements = elements
    built = Path(app.outdir).parent / "latex" / pdf_name(config)
    if built.exists():
        # A config value of its own (rebuild "html"): when a PDF appears, every page is written again with the entry.
        config.pdf_edition = built.name
        config.html_extra_path = [*config.html_extra_path, str(built)]


def number_by_chapter(app: Sphinx) -> None:
    """Sphinx numbers exercises per chapter, as in the HTML book, and LaTeX numbers equations per chapter.

    With the parts as LaTeX's top level, sphinx-jupyterbook-latex raises ``numfig_secnum_depth`` by one,
    so that LaTeX resets its counters at each chapter rather than each part. Sphinx's own numbering, which
    sphinx-exercise uses, counts no part level: with the raised depth it numbered by section (3.7.3). The
    raised depth is kept for the writer only.
    """
    if app.builder.format == "latex" and getattr(app.env, "jblatex_captions_to_parts", False):
        app.env.pdf_latex_numfig_secnum_depth = app.config.numfig_secnum_depth
        app.config.numfig_secnum_depth -= 1


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    # The LaTeX writer, which reads the depth, is made after the assembled book is resolved.
    if app.builder.format == "latex" and hasattr(app.env, "pdf_latex_numfig_secnum_depth"):
        app.config.numfig_secnum_depth = app.env.pdf_latex_numfig_secnum_depth


def on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if not app.config.pdf_edition:
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](app.config.pdf_edition, 1),
                    "text": "whole book .pdf",
                    "tooltip": "Download the whole book as a PDF",
                    "icon": "fas fa-file-pdf",
                    "label": "download-book-pdf-button",
                }
            )


class AnswerBoxNote(SphinxPostTransform):
    """In LaTeX, an answer box's output (HTML and a Python repr) is replaced by a sentence."""

    default_priority = 3  # before MyST-NB's SelectMimeType (4) picks the repr
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") == "mime_bundle" and any(
                ANSWER_BOX in raw.astext() for raw in bundle.findall(nodes.raw)
            ):
                bundle.replace_self(nodes.paragraph("", "", nodes.emphasis("", ANSWER_BOX_NOTE)))


class ExerciseReferences(SphinxPostTransform):
    """In LaTeX, a numbered reference to an exercise of another chapter links to sphinx-exercise's label for it."""

    default_priority = 23  # after sphinx-exercise rewrote the references within a chapter (22)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        registry = exercise_registry(self.env)
        for reference in list(self.document.findall(number_reference)):
            label = reference.get("refuri", "").rpartition("#")[2]
            if isinstance(registry.get(label, {}).get("node"), exercise_enumerable_node):
                # Its text is already the number ("Exercise 3.3"); the new node links it to "exercise:<label>".
                reference.replace_self(exercise_latex_number_reference("", "", *reference.children, refid=label))


def setup(app: Sphinx) -> dict:
    app.add_config_value("pdf_edition", "", "html")
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", number_by_chapter, priority=600)  # after sphinx-jupyterbook-latex set the depth
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("html-page-context", on_page_context, priority=600)  # after the theme made its download menu
    app.add_post_transform(AnswerBoxNote)
    app.add_post_transform(ExerciseReferences)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
