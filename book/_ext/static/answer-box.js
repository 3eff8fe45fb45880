// Check-your-answer boxes. The page carries sample points and SymPy's values there; the reader's
// formula is parsed by math.js (its own parser: no eval, no new Function), every node of the parse
// tree is checked against a whitelist, and the formula is evaluated at the points. Works from file://.
"use strict";

(() => {
  const OPERATORS = new Set(["add", "subtract", "multiply", "divide", "pow", "unaryMinus", "unaryPlus"]);
  const CONSTANTS = new Set(["e", "pi"]);
  const MAX_LENGTH = 500;
  const MAX_NODES = 400;

  class AnswerError extends Error {}

  function validate(root, spec) {
    const variables = new Set(spec.variables);
    const functions = new Set(spec.functions);
    let count = 0;
    root.traverse((node, path, parent) => {
      count += 1;
      if (count > MAX_NODES) throw new AnswerError("the formula is too long");
      switch (node.type) {
        case "ConstantNode":
          if (typeof node.value !== "number") throw new AnswerError(`only numbers are allowed, not ${node.toString()}`);
          break;
        case "SymbolNode": {
          const isFunctionName = parent && parent.type === "FunctionNode" && path === "fn";
          if (isFunctionName) {
            if (!functions.has(node.name)) throw new AnswerError(`unknown function '${node.name}'`);
          } else if (!variables.has(node.name) && !CONSTANTS.has(node.name)) {
            const allowed = spec.variables.length ? spec.variables.join(", ") : "no variables";
            throw new AnswerError(`unknown name '${node.name}': use ${allowed}`);
          }
          break;
        }
        case "OperatorNode":
          if (!OPERATORS.has(node.fn)) throw new AnswerError(`the operator '${node.op}' is not allowed`);
          break;
        case "ParenthesisNode":
          break;
        case "FunctionNode":
          if (node.fn.type !== "SymbolNode" || !functions.has(node.fn.name)) {
            throw new AnswerError(`'${node.fn.toString()}' is not an allowed function`);
          }
          break;
        default:
          throw new AnswerError(`'${node.toString()}' is not allowed in an answer`);
      }
    });
  }

  function describePoint(point) {
    return Object.entries(point).map(([k, v]) => `${k} = ${v.toPrecision(4)}`).join(", ");
  }

  function close(a, b, rtol) {
    return Number.isFinite(a) && Math.abs(a - b) <= rtol * Math.max(1, Math.abs(a), Math.abs(b));
  }

  function check(text, spec) {
    const source = text.trim();
    if (!source) throw new AnswerError("type a formula first");
    if (source.length > MAX_LENGTH) throw new AnswerError(`the formula is longer than ${MAX_LENGTH} characters`);
    let tree;
    try {
      tree = math.parse(source);
    } catch (err) {
      throw new AnswerError(`could not read the formula: ${err.message}`);
    }
    validate(tree, spec);
    const code = tree.compile();
    const got = spec.points.map((point) => {
      const scope = { ...point, sigma: (x) => 1 / (1 + Math.exp(-x)) };
      const value = code.evaluate(scope);
      return typeof value === "number" ? value : NaN;
    });
    const wrong = got.findIndex((value, i) => !close(value, spec.values[i], spec.rtol));
    if (wrong === -1) return { correct: true, message: `Correct: your formula matches at all ${got.length} check points.` };
    const expected = spec.values[wrong];
    let hint = "";
    if (got.every((v, i) => close(-v, spec.values[i], spec.rtol))) hint = " It is the negative of the answer: check a sign.";
    else if (got.every((v, i) => close(v, 2 * spec.values[i], spec.rtol))) hint = " It is twice the answer: check for a stray factor of 2.";
    else if (got.every((v, i) => close(2 * v, spec.values[i], spec.rtol))) hint = " It is half the answer: a factor of 2 is missing.";
    const shown = Number.isFinite(got[wrong]) ? got[wrong].toPrecision(6) : "no real number";
    return {
      correct: false,
      message: `Not yet: at ${describePoint(spec.points[wrong])} your formula gives ${shown}, but the answer is ${expected.toPrecision(6)}.${hint}`,
    };
  }

  function wire(box) {
    const spec = JSON.parse(box.dataset.answer);
    const input = box.querySelector(".answer-input");
    const feedback = box.querySelector(".answer-feedback");
    const run = () => {
      box.classList.remove("answer-correct", "answer-wrong", "answer-error");
      try {
        const verdict = check(input.value, spec);
        feedback.textContent = verdict.message;
        box.classList.add(verdict.correct ? "answer-correct" : "answer-wrong");
      } catch (err) {
        feedback.textContent = err instanceof AnswerError ? `Error: ${err.message}.` : `Error: ${err.message}`;
        box.classList.add("answer-error");
      }
    };
    box.querySelector(".answer-check").addEventListener("click", run);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") run();
    });
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll(".answer-box").forEach(wire));
})();
