// Typesets TeX with MathJax 3 (mathjax-full, from npm) when the book is built, so that a page shows its
// mathematics at first paint and no browser has to typeset it.
//
// stdin:  {"pages": [[{"tex": "...", "display": true|false}, ...], ...]}
// stdout: {"pages": [{"html": ["<mjx-container ...>", ...], "glyphs": "<svg ...>"}, ...], "css": "...",
//          "errors": [{"page": p, "index": i, "message": "..."}]}
//
// Output is SVG: a formula draws its glyphs from the page's one hidden <svg> of glyph outlines, so a page
// needs no math fonts and no per-glyph CSS (with CHTML output a chapter took twice as long to lay out).
// Every formula carries hidden MathML (MathJax's assistive-mml) for screen readers. A TeX error is
// reported, not rendered: the build fails on it.
//
// MathJax marks every SVG element with its MathML node (data-mml-node) and every glyph with its character
// (data-c), for its interactive explorer, which the book does not load: a seventh of a chapter's bytes.
// Only the marks MathJax's stylesheet selects on are kept (LEAN), and the glyph rule is restated for them.
"use strict";

const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

const STYLED_NODES = /^(mtable|merror|maction)$/;
const LEAN = (html) =>
  html
    .replace(/ data-c="[^"]*"/g, "")
    .replace(/ data-mml-node="([^"]*)"/g, (mark, node) => (STYLED_NODES.test(node) ? mark : ""));
const GLYPH_RULE = 'mjx-container[jax="SVG"] use { stroke-width: 3; }\n';

// Once those marks are gone, about one element in ten of a chapter is a <g> with no attribute at all (a
// MathML row, a token's wrapper) or an empty one: it draws nothing and moves nothing, but a phone styles and
// lays out every one. Such a <g> is replaced by its children. Not inside what MathJax's stylesheet selects
// on by structure (g[data-mml-node=mtable] > g > svg, svg[data-table] > g > line, merror > g): there a
// bare <g> stays, so that no rule starts or stops matching.
const marksKept = (node) =>
  STYLED_NODES.test(node.attributes["data-mml-node"] || "") || "data-table" in node.attributes;
const isBare = (node) =>
  node.kind === "g" &&
  Object.entries(node.attributes).every(
    ([name, value]) => name === "data-c" || (name === "data-mml-node" && !STYLED_NODES.test(value)),
  );
const FLATTEN = (node) => {
  if (!Array.isArray(node.children)) return node;
  const keep = marksKept(node) || (node.parent && node.parent.attributes && marksKept(node.parent));
  const children = [];
  for (const child of node.children) {
    FLATTEN(child);
    if (!keep && isBare(child)) {
      for (const grandchild of child.children) {
        grandchild.parent = node;
        children.push(grandchild);
      }
    } else children.push(child);
  }
  node.children = children;
  return node;
};

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const adaptor = liteAdaptor();
  AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
  const errors = [];
  let where = {};
  const tex = new TeX({
    // noerrors/noundefined would turn a mistake into red text on the page: a mistake must fail the build.
    packages: AllPackages.filter((name) => !["noerrors", "noundefined", "bussproofs"].includes(name)),
    formatError: (jax, error) => {
      errors.push({ ...where, message: error.message });
      return jax.formatError(error);
    },
  });
  const svg = new SVG({ fontCache: "global" });
  const document = mathjax.document("", { InputJax: tex, OutputJax: svg });
  const pages = request.pages.map((formulas, page) => {
    svg.fontCache.clearCache(); // each page carries the outlines of its own glyphs only
    const html = formulas.map((formula, index) => {
      where = { page, index };
      return LEAN(adaptor.outerHTML(FLATTEN(document.convert(formula.tex, { display: formula.display }))));
    });
    const defs = adaptor.outerHTML(svg.fontCache.getCache());
    const glyphs = `<svg xmlns="http://www.w3.org/2000/svg" style="display: none" aria-hidden="true">${defs}</svg>`;
    return { html, glyphs };
  });
  const css = adaptor.textContent(svg.styleSheet(document)) + GLYPH_RULE;
  process.stdout.write(JSON.stringify({ pages, css, errors }));
});
