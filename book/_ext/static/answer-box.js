// Check-your-answer boxes. The reader's text is parsed by the parser that lark-js generates from
// checks/answer_grammar.lark (answer-language.js, written by the build, with the language table of
// checks/answers.py), read into a small expression tree and evaluated at the points the page carries.
// judge() repeats checks.answers.judge step for step, so a box and check_answer give the same verdict.
// Reader text is only ever parsed, never run as code. Works from file://.
"use strict";

(() => {
  const { LANGUAGE, get_parser: getParser } = AnswerLanguage;
  const { limits, messages: MESSAGES, functions: FUNCTIONS, greek: GREEK, rtol: RTOL, atol: ATOL } = LANGUAGE;
  const CALLS = new Set(["call", "call_power", "call_bare", "call_power_bare", "root"]);
  const parser = getParser();
  const SUPERSCRIPT_DIGITS = Object.fromEntries(Array.from("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", (c, i) => [c, "0123456789-"[i]]));

  class Invalid extends Error {}
  class Undefined extends Error {}

  const message = (key, params = {}) =>
    MESSAGES[key].replace(/\{(\w+)\}/g, (m, k) => String(params[k]));
  const fail = (key, params) => {
    throw new Invalid(message(key, params));
  };
  const kind = (t) => (t.data === undefined ? null : String(t.data));
  const quote = (text) => `'${text.length <= 20 ? text : `${text.slice(0, 20)}…`}'`;

  const subscripts = (text) => text.replace(/[₀-₉]+/g, (m) => `_${Array.from(m, (c) => c.charCodeAt(0) - 0x2080).join("")}`);

  function nameKey(text) {
    const bare = subscripts(text).replace(/^\\+/, "");
    const cut = bare.indexOf("_");
    let base = cut === -1 ? bare : bare.slice(0, cut);
    if (Object.hasOwn(GREEK, base)) base = GREEK[base];
    const sub = cut === -1 ? "" : bare.slice(cut + 1).replace(/^[{}]+|[{}]+$/g, "").replaceAll(" ", "");
    return base + (sub ? `_${sub}` : "");
  }

  // The function named just before a token out of place ("1 - sigma)"), which lacks its argument.
  function missingArgument(before) {
    const name = before.match(/\\?([A-Za-z]+|[\p{L}])\s*$/u);
    const fn = name && (name[1] === "σ" ? "sigma" : nameKey(name[1]));
    return fn && Object.hasOwn(FUNCTIONS, fn) ? fn : null;
  }

  function parse(typed) {
    // Letters of Unicode's mathematical alphabets (𝑥, 𝜎, 𝟐, ℎ) read as plain ones, as checks/answers.py reads them.
    const answer = typed.replace(/[\u{1D400}-\u{1D7FF}\u{210E}]/gu, (c) => c.normalize("NFKC"));
    const length = Array.from(answer).length;
    if (length > limits.length) fail("too_long", { length, limit: limits.length });
    if (/^[ \t\r\n\u00a0]*$/.test(answer)) fail("empty");
    const position = (index) => Array.from(answer.slice(0, index)).length + 1; // in characters, as Python counts
    try {
      return parser.parse(answer);
    } catch (e) {
      if (e instanceof AnswerLanguage.UnexpectedCharacters) {
        fail("character", { char: quote(String.fromCodePoint(answer.codePointAt(e.pos_in_stream))), pos: position(e.pos_in_stream) });
      }
      const atEnd = e instanceof AnswerLanguage.UnexpectedEOF || !e.token || e.token.type === "$END";
      const bare = missingArgument(answer.slice(0, atEnd ? answer.length : e.token.start_pos));
      if (bare) fail("bare_function", { function: bare });
      if (atEnd) fail("ends_early");
      const key = e.token.type === "NUMBER" ? "missing_operator" : "unexpected";
      fail(key, { token: quote(e.token.value), pos: position(e.token.start_pos) });
    }
  }

  const quotient = (numerator, denominator) => ["product", [["mul", numerator], ["div", denominator]]];

  function children(node) {
    if (node[0] === "call") return node[2];
    return node[0] === "sum" || node[0] === "product" ? node[1].map(([, c]) => c) : node.slice(1);
  }

  function spine(t, kinds) {
    const nodes = [];
    while (kinds.includes(kind(t))) {
      nodes.push(t);
      t = t.children[0];
    }
    return nodes;
  }

  function chain(t, kinds) {
    const nodes = spine(t, kinds);
    return [[kinds[0], nodes[nodes.length - 1].children[0]], ...nodes.reverse().map((n) => [kind(n), n.children[1]])];
  }

  function endsBare(t) {
    if (["call_bare", "call_power_bare"].includes(kind(t))) return nameKey(t.children[0].value);
    if (["imul", "mul", "div", "neg"].includes(kind(t))) return endsBare(t.children[t.children.length - 1]);
    return "";
  }

  function split(text, names) {
    const m = /^([A-Za-z]+)([0-9]*(?:_[\s\S]*)?)$/.exec(text);
    if (!m || m[1].length < 2) return null;
    const letters = m[1];
    const tail = nameKey(m[2]);
    const memo = new Map();
    const rest = (i) => {
      if (memo.has(i)) return memo.get(i);
      let found = null;
      for (let j = letters.length; j > i && found === null; j -= 1) {
        const piece = letters.slice(i, j);
        if (j === letters.length) {
          if (i > 0 && Object.hasOwn(names, piece + tail)) found = [piece + tail];
        } else if (Object.hasOwn(names, piece)) {
          const after = rest(j);
          if (after !== null) found = [piece, ...after];
        }
      }
      memo.set(i, found);
      return found;
    };
    return rest(0);
  }

  class Reader {
    constructor(spec) {
      this.spec = spec;
      this.nodes = 0;
    }

    read(tree) {
      if (kind(tree) === "brackets" || kind(tree) === "latex_matrix") {
        let rows;
        if (kind(tree) === "latex_matrix") {
          const [begin, ...rest] = tree.children;
          const end = rest.pop();
          if (begin.value.replaceAll(" ", "").slice(6) !== end.value.replaceAll(" ", "").slice(4)) {
            fail("environments", { begin: begin.value, end: end.value });
          }
          rows = rest;
        } else {
          rows = tree.children;
          const isRow = (r) => kind(r) === "row";
          if (!rows.every(isRow)) {
            if (rows.some(isRow)) fail("mixed");
            rows = rows.map((r) => [r]); // [a, b] is a column
          }
        }
        rows = rows.map((r) => (Array.isArray(r) ? r : r.children));
        if (new Set(rows.map((r) => r.length)).size !== 1) fail("rows");
        return ["matrix", rows.length, rows[0].length, rows.flat().map((e) => this.expr(e, 1))];
      }
      return this.expr(tree, 0);
    }

    expr(t, depth) {
      this.nodes += 1;
      if (this.nodes > limits.nodes) fail("too_big", { limit: limits.nodes });
      if (depth > limits.depth) fail("too_deep", { limit: limits.depth });
      const k = kind(t);
      if (k === null) {
        if (t.type === "SUPERSCRIPT") return this.number(Array.from(t.value, (c) => SUPERSCRIPT_DIGITS[c]).join("")); // x² is x^2
        return t.type === "NUMBER" ? this.number(t.value) : this.name(t.value);
      }
      const kids = t.children;
      if (k === "name") return this.name(kids[0].value);
      if (k === "bare") return this.number(kids[0].value);
      if (k === "frac_digits") {
        const [numerator, denominator] = kids[0].value.slice(-2).split("").map((d) => ["num", Number(d)]);
        return this.fold(quotient(numerator, denominator));
      }
      if (k === "neg") return this.fold(["neg", this.expr(kids[0], depth + 1)]);
      if (k === "frac") {
        return this.fold(quotient(this.expr(kids[1], depth + 1), this.expr(kids[2], depth + 1)));
      }
      if (k === "add" || k === "sub") {
        return this.fold(["sum", chain(t, ["add", "sub"]).map(([sign, c]) => [sign, this.expr(c, depth + 1)])]);
      }
      if (k === "mul" || k === "div" || k === "imul") {
        return this.fold(["product", this.factors(t).map(([op, c]) => [op, this.expr(c, depth + 1)])]);
      }
      if (k === "pow") {
        const base = this.expr(kids[0], depth + 1);
        const exponent = this.expr(kids[1], depth + 1);
        if (exponent[0] === "num" && Math.abs(exponent[1]) > limits.exponent) {
          fail("exponent", { exponent: fmt(exponent[1]), limit: limits.exponent });
        }
        return this.fold(["pow", base, exponent]);
      }
      if (CALLS.has(k)) return this.call(k, kids, depth);
      throw new Error(`the grammar has a rule ${k} that the reader does not know`);
    }

    factors(t) {
      for (const node of spine(t, ["mul", "div", "imul"])) {
        const right = node.children[1];
        if (kind(node) === "imul" && endsBare(node.children[0]) && !CALLS.has(kind(right))) {
          fail("ambiguous", { function: endsBare(node.children[0]) });
        }
      }
      return chain(t, ["mul", "div", "imul"]);
    }

    call(k, kids, depth) {
      let name = nameKey(kids[0].value);
      name = { σ: "sigma", ln: "log" }[name] ?? name;
      if (k === "root") {
        if (name !== "sqrt") fail("unexpected", { token: "'['", pos: kids[0].end_pos + 1 });
        const index = this.expr(kids[1], depth + 1);
        const radicand = this.expr(kids[2], depth + 1);
        return this.fold(["pow", radicand, this.fold(quotient(["num", 1], index))]);
      }
      const argument = kids[kids.length - 1];
      const args = kind(argument) === "args" ? argument.children : [argument];
      const [low, high] = FUNCTIONS[name];
      if (args.length < low || args.length > high) {
        const count = high === 1 ? "one argument" : `${low} to ${high} arguments`;
        fail("arguments", { function: name, count, given: args.length });
      }
      let result = this.fold(["call", name, args.map((a) => this.expr(a, depth + 1))]);
      if (k === "call_power" || k === "call_power_bare") result = this.fold(["pow", result, this.expr(kids[1], depth + 1)]);
      return result;
    }

    number(text) {
      const digits = text.replace(/[eE].*/, "").replace(".", "").replace(/^0+/, "");
      if (digits.length > limits.digits) fail("digits", { number: quote(text), limit: limits.digits });
      return this.fold(["num", Number(text)]);
    }

    name(text) {
      const { names, variables } = this.spec;
      const key = nameKey(text);
      if (Object.hasOwn(names, key)) return ["var", names[key]];
      if (key === "e" || key === "pi") return ["num", key === "e" ? Math.E : Math.PI];
      const pieces = split(subscripts(text), names);
      if (pieces === null) {
        const allowed = [...variables, "e", "pi", ...Object.keys(FUNCTIONS).filter((f) => f !== "ln")].join(", ");
        fail("unknown_name", { name: quote(text), names: allowed });
      }
      return ["product", pieces.map((piece) => ["mul", ["var", names[piece]]])];
    }

    fold(node) {
      if (node[0] === "num" && !Number.isFinite(node[1])) fail("not_usable", { reason: MESSAGES.large });
      if (!children(node).every((c) => Array.isArray(c) && c[0] === "num")) return node; // a number's child is its value
      try {
        return ["num", evaluate(node, [])];
      } catch (e) {
        if (e instanceof Undefined) fail("not_usable", { reason: MESSAGES[e.message] });
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------------------------- evaluating

  const domain = (ok, reason) => {
    if (!ok) throw new Undefined(reason);
  };
  const sigma = (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
  const FUNCTION_VALUES = {
    exp: Math.exp, sin: Math.sin, cos: Math.cos, tan: Math.tan, sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh,
    sigma, abs: Math.abs, max: Math.max, min: Math.min,
    log: (v) => (domain(v > 0, "log"), Math.log(v)),
    sqrt: (v) => (domain(v >= 0, "sqrt"), Math.sqrt(v)),
  };
  function power(b, e) {
    domain(b !== 0 || e > 0, "zero_power");
    domain(b >= 0 || Number.isInteger(e), "root");
    domain(Math.abs(e) <= limits.exponent, "large");
    return Math.pow(b, e);
  }
  const OPERATIONS = {
    add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, imul: (a, b) => a * b,
    div: (a, b) => (domain(b !== 0, "divide"), a / b),
  };

  function evaluate(node, point) {
    const k = node[0];
    if (k === "num") return node[1];
    if (k === "var") return point[node[1]];
    let value;
    if (k === "neg") value = -evaluate(node[1], point);
    else if (k === "call") value = FUNCTION_VALUES[node[1]](...node[2].map((a) => evaluate(a, point)));
    else if (k === "pow") value = power(evaluate(node[1], point), evaluate(node[2], point));
    else {
      value = k === "sum" ? 0 : 1;
      for (const [op, operand] of node[1]) {
        value = OPERATIONS[op](value, evaluate(operand, point));
      }
    }
    domain(Number.isFinite(value), "large");
    return value;
  }

  // As checks.answers._fmt: 4 significant digits, rounded half up from the shortest decimal form.
  function fmt(v) {
    if (v === 0) return "0";
    const [mantissa, e10] = Math.abs(v).toExponential().split("e");
    const all = mantissa.replace(".", "");
    let text = all.replace(/0+$/, "");
    let exponent = Number(e10) - (all.length - 1) + (all.length - text.length);
    if (text.length > 4) {
      const kept = String(Number(text.slice(0, 4)) + (text[4] >= "5" ? 1 : 0));
      exponent += text.length - 4;
      text = kept.replace(/0+$/, "");
      exponent += kept.length - text.length;
    }
    const lead = text.length - 1 + exponent;
    let shown;
    if (lead >= -5 && lead < 7) {
      const point = text.length + exponent;
      if (exponent >= 0) shown = text + "0".repeat(exponent);
      else shown = point > 0 ? `${text.slice(0, point)}.${text.slice(point)}` : `0.${"0".repeat(-point)}${text}`;
    } else {
      shown = text[0] + (text.length > 1 ? `.${text.slice(1)}` : "") + `e${lead}`;
    }
    return (v < 0 ? "-" : "") + shown;
  }

  // ------------------------------------------------------------------------------------ judging

  const close = (a, b) => Math.abs(a - b) <= RTOL * Math.max(Math.abs(a), Math.abs(b)) + ATOL;
  // The answer's entries at a point: each a value, or the catalogue key of why it has none.
  const values = (tree, point) =>
    (tree[0] === "matrix" ? tree[3] : [tree]).map((e) => {
      try {
        return evaluate(e, point);
      } catch (error) {
        if (!(error instanceof Undefined)) throw error;
        return error.message;
      }
    });
  const describe = (shape) => (shape ? message("matrix", { rows: shape[0], cols: shape[1] }) : MESSAGES.scalar);
  const verdict = (v, feedback) => ({ verdict: v, feedback });
  const join = (feedback, slip) => feedback + (slip ? ` ${slip}` : "");
  // At each point, why the answer has no value there (its first entry without one), or null.
  const undefinedAt = (got) => got.map((g) => g.find((v) => typeof v === "string") ?? null);

  function judge(answer, spec) {
    const started = performance.now();
    let tree;
    const got = [];
    let undefinedAnywhere;
    try {
      tree = new Reader(spec).read(parse(answer));
      for (const point of spec.points) {
        if ((performance.now() - started) / 1000 > limits.seconds) fail("time");
        got.push(values(tree, point));
      }
      const reasons = undefinedAt(got);
      if (reasons.every((u) => u !== null)) fail("nowhere", { reason: MESSAGES[reasons[0]] });
      undefinedAnywhere = reasons.some((u) => u !== null);
    } catch (e) {
      if (e instanceof Invalid) return verdict("invalid", e.message);
      throw e;
    }
    const shape = tree[0] === "matrix" ? [tree[1], tree[2]] : null;
    if (JSON.stringify(shape) !== JSON.stringify(spec.shape)) {
      const feedback = message("shape", { want: describe(spec.shape), got: describe(shape) });
      const flipped = shape && spec.shape && shape[0] === spec.shape[1] && shape[1] === spec.shape[0];
      return verdict("incorrect", join(feedback, flipped && !undefinedAnywhere ? transposed(got, spec) : ""));
    }
    for (let i = 0; i < spec.points.length; i += 1) {
      const [point, g, want] = [spec.points[i], got[i], spec.values[i]];
      const wrong = want.findIndex((w, k) => typeof g[k] === "string" || !close(g[k], w));
      if (wrong === -1) continue;
      const where = spec.variables.map((n, k) => `${n} = ${fmt(point[k])}, `).join("");
      const params = { where: where ? `at ${where}` : "", want: fmt(want[wrong]), entry: "" };
      if (shape) params.entry = message("entry", { row: Math.floor(wrong / shape[1]) + 1, col: (wrong % shape[1]) + 1 });
      if (typeof g[wrong] === "string") {
        return verdict("incorrect", message("wrong_undefined", { reason: MESSAGES[g[wrong]], ...params }));
      }
      const feedback = message("wrong", { got: fmt(g[wrong]), ...params });
      return verdict("incorrect", join(feedback, undefinedAnywhere ? "" : slip(got, spec)));
    }
    return verdict("correct", message("correct", { n: spec.points.length }));
  }

  // got has a value at every entry (as for slip).
  function transposed(got, spec) {
    const [rows, cols] = spec.shape;
    for (let p = 0; p < got.length; p += 1) {
      for (let i = 0; i < rows; i += 1) {
        for (let j = 0; j < cols; j += 1) if (!close(got[p][j * rows + i], spec.values[p][i * cols + j])) return "";
      }
    }
    return MESSAGES.transposed;
  }

  function slip(got, spec) {
    const { shape, values: want } = spec;
    if (shape && shape[0] === shape[1] && transposed(got, spec)) return MESSAGES.transposed;
    const pairs = got.flatMap((g, p) => g.map((a, k) => [a, want[p][k]]));
    // Any number is a multiple of a constant, and differs from it by a constant: no news.
    const varies = !pairs.every(([, e]) => close(e, pairs[0][1]));
    const base = pairs.find(([, e]) => Math.abs(e) > ATOL);
    if (base && base[0] !== 0 && pairs.every(([a, e]) => close(a, (base[0] / base[1]) * e))) {
      const ratio = base[0] / base[1];
      for (const [key, factor] of [["sign", -1], ["double", 2], ["half", 0.5]]) if (close(ratio, factor)) return MESSAGES[key];
      if (varies) return message("multiple", { ratio: fmt(ratio) });
    }
    const offset = pairs[0][0] - pairs[0][1];
    if (varies && pairs.every(([a, e]) => close(a - e, offset))) {
      return message("offset", { offset: fmt(offset) });
    }
    for (const term of spec.terms) {
      for (const [key, factor] of [["term_missing", 1], ["term_sign", 2], ["term_double", -1], ["term_half", 0.5]]) {
        if (got.every((g, p) => close(g[0], want[p][0] - factor * term.values[p]))) return message(key, { term: term.text });
      }
    }
    return "";
  }

  // ------------------------------------------------------------------------------------ the page

  const CLASSES = { correct: "answer-correct", incorrect: "answer-wrong", invalid: "answer-error" };

  function wire(box) {
    const spec = JSON.parse(box.dataset.answer);
    const input = box.querySelector(".answer-input");
    const feedback = box.querySelector(".answer-feedback");
    const run = () => {
      box.classList.remove(...Object.values(CLASSES));
      let result;
      try {
        result = judge(input.value, spec);
      } catch (error) {
        console.error(error); // a bug of the checker, not of the answer: say so plainly
        result = verdict("invalid", "This answer could not be checked: please report it with the exercise's number.");
      }
      feedback.textContent = result.feedback;
      box.classList.add(CLASSES[result.verdict]);
    };
    box.querySelector(".answer-check").addEventListener("click", run);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") run();
    });
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll(".answer-box").forEach(wire));
})();
