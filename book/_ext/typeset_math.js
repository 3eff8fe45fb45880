// Typesets TeX with MathJax 3 (mathjax-full, from npm) when the book is built, so that a page shows its
// mathematics at first paint and no browser has to typeset it.
//
// stdin:  {"formulas": [{"tex": "...", "display": true|false}, ...], "fontURL": "..."}
// stdout: {"html": ["<mjx-container ...>", ...], "css": "...", "errors": [{"index": i, "message": "..."}]}
//
// Every formula carries hidden MathML (MathJax's assistive-mml) for screen readers. A TeX error is
// reported, not rendered: the build fails on it.
"use strict";

const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { CHTML } = require("mathjax-full/js/output/chtml.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const adaptor = liteAdaptor();
  AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
  const errors = [];
  let current = -1;
  const tex = new TeX({
    // noerrors/noundefined would turn a mistake into red text on the page: a mistake must fail the build.
    packages: AllPackages.filter((name) => !["noerrors", "noundefined", "bussproofs"].includes(name)),
    formatError: (jax, error) => {
      errors.push({ index: current, message: error.message });
      return jax.formatError(error);
    },
  });
  // MathJax in a browser scales its fonts to the text's x-height; the theme's font needs about 1.18×.
  const chtml = new CHTML({ fontURL: request.fontURL, adaptiveCSS: true, scale: 1.18 });
  const document = mathjax.document("", { InputJax: tex, OutputJax: chtml });
  const html = request.formulas.map((formula, index) => {
    current = index;
    return adaptor.outerHTML(document.convert(formula.tex, { display: formula.display }));
  });
  const css = adaptor.textContent(chtml.styleSheet(document));
  process.stdout.write(JSON.stringify({ html, css, errors }));
});
