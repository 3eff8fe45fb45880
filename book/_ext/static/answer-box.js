// Check-your-answer boxes. The reader's text is parsed by the parser that lark-js generates from
// answers/grammar.lark (answer-language.js, written by the build, with the table answers/language.json:
// limits, tolerances, names, slips and every sentence), read into a small expression tree and evaluated
// at the points the page carries. judge() takes the steps of answers.judge, judgeDerivation() those of
// answers.judge_derivation, so a box and check_answer give the same verdict; every constant they share
// is read from the table. Reader text is only ever parsed, never run as code. Works from file://.
"use strict";

(() => {
  const { LANGUAGE, get_parser: getParser } = AnswerLanguage;
  const { limits, messages: MESSAGES, functions: FUNCTIONS, greek: GREEK, rtol: RTOL, atol: ATOL } = LANGUAGE;
  const { slips: SLIPS, term_slips: TERM_SLIPS, constants: CONSTANTS, function_aliases: FUNCTION_ALIASES } = LANGUAGE;
  const { blank: BLANK, term_sign: TERM_SIGN } = LANGUAGE; // regular expressions, as strings
  const CALLS = new Set(LANGUAGE.calls);
  const parser = getParser();
  const [superscripts, plainDigits] = LANGUAGE.superscripts;
  const SUPERSCRIPT_DIGITS = Object.fromEntries(Array.from(superscripts, (c, i) => [c, plainDigits[i]]));
  const MATH_ALPHANUMERIC = new RegExp(
    `[${LANGUAGE.math_alphanumeric.map(([low, high]) => `${String.fromCodePoint(low)}-${String.fromCodePoint(high)}`).join("")}]`,
    "gu",
  );
  const has = (table, key) => Object.hasOwn(table, key);

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
    if (has(GREEK, base)) base = GREEK[base];
    const sub = cut === -1 ? "" : bare.slice(cut + 1).replace(/^[{}]+|[{}]+$/g, "").replaceAll(" ", "");
    return base + (sub ? `_${sub}` : "");
  }

  // The function named just before a token out of place ("1 - sigma)"), which lacks its argument.
  function missingArgument(before) {
    const name = before.match(/\\?([A-Za-z]+|[\p{L}])\s*$/u);
    const fn = name && (name[1] === "σ" ? "sigma" : nameKey(name[1]));
    return fn && has(FUNCTIONS, fn) ? fn : null;
  }

  const normalize = (typed) => typed.replace(MATH_ALPHANUMERIC, (c) => c.normalize("NFKC"));

  function parse(typed) {
    // Letters of Unicode's mathematical alphabets (𝑥, 𝜎, 𝟐, ℎ) read as plain ones, as answers/syntax.py reads them.
    const answer = normalize(typed);
    const length = Array.from(answer).length;
    if (length > limits.length) fail("too_long", { length, limit: limits.length });
    if (new RegExp(`^${BLANK}*$`).test(answer)) fail("empty");
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
          if (i > 0 && has(names, piece + tail)) found = [piece + tail];
        } else if (has(names, piece)) {
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
      if (has(FUNCTION_ALIASES, name)) name = FUNCTION_ALIASES[name];
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
      if (has(names, key)) return ["var", names[key]];
      if (has(CONSTANTS, key)) return ["num", CONSTANTS[key]];
      const pieces = split(subscripts(text), names);
      if (pieces === null) {
        const allowed = [...variables, ...Object.keys(CONSTANTS), ...Object.keys(FUNCTIONS).filter((f) => f !== "ln")].join(", ");
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

  // As answers.formatting.fmt: 4 significant digits, rounded half up from the shortest decimal form.
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
  // A slip's sentence: the answer box's, or (previous given) a derivation line's, naming the line before.
  const slipMessage = (key, previous, params = {}) =>
    previous === undefined ? message(key, params) : message(`step_${key}`, { previous, ...params });

  function transposed(got, spec, previous) {
    const [rows, cols] = spec.shape;
    for (let p = 0; p < got.length; p += 1) {
      for (let i = 0; i < rows; i += 1) {
        for (let j = 0; j < cols; j += 1) if (!close(got[p][j * rows + i], spec.values[p][i * cols + j])) return "";
      }
    }
    return slipMessage("transposed", previous);
  }

  function slip(got, spec, previous) {
    const { shape, values: want } = spec;
    if (shape && shape[0] === shape[1] && transposed(got, spec)) return slipMessage("transposed", previous);
    const pairs = got.flatMap((g, p) => g.map((a, k) => [a, want[p][k]]));
    // Any number is a multiple of a constant, and differs from it by a constant: no news.
    const varies = !pairs.every(([, e]) => close(e, pairs[0][1]));
    const base = pairs.find(([, e]) => Math.abs(e) > ATOL);
    if (base && base[0] !== 0 && pairs.every(([a, e]) => close(a, (base[0] / base[1]) * e))) {
      const ratio = base[0] / base[1];
      for (const [key, factor] of SLIPS) if (close(ratio, factor)) return slipMessage(key, previous);
      if (varies) return slipMessage("multiple", previous, { ratio: fmt(ratio) });
    }
    const offset = pairs[0][0] - pairs[0][1];
    if (varies && pairs.every(([a, e]) => close(a - e, offset))) {
      return slipMessage("offset", previous, { offset: fmt(offset) });
    }
    for (const term of spec.terms) {
      for (const [key, factor] of TERM_SLIPS) {
        if (got.every((g, p) => close(g[0], want[p][0] - factor * term.values[p]))) return slipMessage(key, previous, { term: term.text });
      }
    }
    return "";
  }

  // ------------------------------------------------------------------------------------ derivations
  // A derivation box: one step per line, each judged against the one before it (answers.judge_derivation).

  const trim = (text) => text.replace(new RegExp(`^${BLANK}+|${BLANK}+$`, "g"), "");
  const codePoints = (text) => Array.from(text).length;

  function derivationLines(text) {
    const lines = [];
    text.split("\n").forEach((line, index) => {
      let expression = normalize(line.split(LANGUAGE.reason_mark)[0]);
      expression = expression.replace(new RegExp(`^(${BLANK}*)=`), "$1 ");
      if (!new RegExp(`^${BLANK}*$`).test(expression)) lines.push([index + 1, expression]);
    });
    return lines;
  }

  function span(tree) {
    let low = Infinity;
    let high = -1;
    const stack = [tree];
    while (stack.length) {
      const node = stack.pop();
      if (kind(node) === null) {
        low = Math.min(low, node.start_pos);
        high = Math.max(high, node.end_pos);
      } else stack.push(...node.children);
    }
    return [low, high];
  }

  function uses(tree) {
    const variables = new Set();
    const functions = new Set();
    const stack = [tree];
    while (stack.length) {
      const node = stack.pop();
      if (node[0] === "var") variables.add(node[1]);
      else if (node[0] === "matrix") stack.push(...node[3]);
      else if (node[0] !== "num") {
        if (node[0] === "call") functions.add(node[1]);
        if (node[0] === "pow" && node[1][0] === "num" && node[1][1] === CONSTANTS.e) functions.add("exp");
        stack.push(...children(node));
      }
    }
    return [variables, functions];
  }

  function readLine(expression, spec) {
    const parsed = parse(expression);
    const tree = new Reader(spec).read(parsed);
    const got = spec.points.map((point) => values(tree, point));
    const reasons = undefinedAt(got);
    if (reasons.every((u) => u !== null)) fail("nowhere", { reason: MESSAGES[reasons[0]] });
    let terms = [];
    if (tree[0] === "sum" && tree[1].length > 1 && tree[1].length <= limits.terms) {
      const spans = chain(parsed, ["add", "sub"]).map(([, operand]) => span(operand));
      const cuts = [0];
      for (let k = 1; k < spans.length; k += 1) {
        const end = spans[k - 1][1];
        cuts.push(end + expression.slice(end, spans[k][0]).search(new RegExp(TERM_SIGN)));
      }
      cuts.push(expression.length);
      for (let k = 0; k < tree[1].length; k += 1) {
        const [sign, operand] = tree[1][k];
        const text = trim(expression.slice(cuts[k] + (k ? 1 : 0), cuts[k + 1]));
        const termValues = spec.points.map((point) => values(operand, point)[0]);
        if (termValues.some((v) => typeof v === "string")) {
          terms = [];
          break;
        }
        const factor = sign === "sub" ? -1 : 1;
        terms.push({ text: (sign === "sub" ? "−" : "") + text, values: termValues.map((v) => factor * v) });
      }
    }
    const shape = tree[0] === "matrix" ? [tree[1], tree[2]] : null;
    return { tree, values: got, shape, terms };
  }

  const at = (spec, p) => {
    const where = spec.variables.map((n, k) => `${n} = ${fmt(spec.points[p][k])}, `).join("");
    return where ? `at ${where}` : "";
  };
  const hasValue = (entries) => !entries.some((v) => typeof v === "string");
  const sameShape = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  function follows(line, before, spec) {
    const { name, values: want } = before;
    const got = line.values;
    const defined = got.map(hasValue);
    const common = want.flatMap((w, p) => (defined[p] && hasValue(w) ? [p] : []));
    if (!sameShape(line.shape, before.shape)) {
      let words = message("does_not_follow_shape", { previous: name, want: describe(before.shape), got: describe(line.shape) });
      const flipped = line.shape && before.shape && line.shape[0] === before.shape[1] && line.shape[1] === before.shape[0];
      if (flipped && common.length) {
        const shown = { shape: before.shape, values: common.map((p) => want[p]) };
        words = join(words, transposed(common.map((p) => got[p]), shown, name));
      }
      return ["incorrect", words];
    }
    if (!common.length) return ["invalid", message("no_common_point", { previous: name })];
    for (const p of common) {
      const wrong = want[p].findIndex((w, k) => !close(got[p][k], w));
      if (wrong === -1) continue;
      const entry = line.shape ? message("entry", { row: Math.floor(wrong / line.shape[1]) + 1, col: (wrong % line.shape[1]) + 1 }) : "";
      const words = message("does_not_follow", {
        previous: name, entry, where: at(spec, p), got: fmt(got[p][wrong]), want: fmt(want[p][wrong]),
      });
      const terms = before.terms.map((t) => ({ text: t.text, values: common.map((q) => t.values[q]) }));
      const shown = { shape: before.shape, values: common.map((q) => want[q]), terms };
      return ["incorrect", join(words, slip(common.map((q) => got[q]), shown, name))];
    }
    const gap = want.findIndex((w, p) => !defined[p] && hasValue(w));
    if (gap === -1) return ["follows", message("follows", { previous: name })];
    const reason = MESSAGES[undefinedAt([got[gap]])[0]];
    return ["follows", message("follows_where_defined", { previous: name, where: at(spec, gap), reason })];
  }

  const namesOf = (spec, variables, functions) =>
    [...[...variables].sort((a, b) => a - b).map((k) => spec.variables[k]), ...Object.keys(FUNCTIONS).filter((f) => functions.has(f))].join(", ");

  function judgeDerivation(text, spec) {
    const started = performance.now();
    const overall = (v, feedback, lines = []) => ({ verdict: v, feedback, lines });
    const length = codePoints(text);
    if (length > limits.derivation_length) {
      return overall("invalid", message("derivation_too_long", { length, limit: limits.derivation_length }));
    }
    const lines = derivationLines(text);
    if (!lines.length) return overall("invalid", message("derivation_empty"));
    if (lines.length > limits.lines) return overall("invalid", message("too_many_lines", { count: lines.length, limit: limits.lines }));
    let before = { name: message("the_start"), shape: spec.shape, ...spec.start };
    const verdicts = [];
    let problem = null;
    let read = null;
    for (const [number, expression] of lines) {
      if ((performance.now() - started) / 1000 > limits.seconds) return overall("invalid", message("time"));
      let v;
      let words;
      try {
        read = readLine(expression, spec);
        if (problem) [v, words] = ["unchecked", message("unchecked", { line: problem[0] })];
        else [v, words] = follows(read, before, spec);
      } catch (e) {
        if (!(e instanceof Invalid)) throw e;
        [v, words, read] = ["invalid", e.message, null];
      }
      if (!problem && v !== "follows") problem = [number, v, before.name, words];
      verdicts.push({ line: number, verdict: v, feedback: message("line", { line: number, mark: LANGUAGE.marks[v], text: words }) });
      if (read) before = { name: message("line_before", { line: number }), ...read };
    }
    if (problem && problem[1] === "incorrect") {
      return overall("incorrect", message("derivation_wrong", { line: problem[0], previous: problem[2] }), verdicts);
    }
    if (problem) return overall("invalid", message("derivation_invalid", { line: problem[0], reason: problem[3] }), verdicts);
    const count = lines.length === 1 ? message("one_line") : message("all_lines", { count: lines.length });
    const { result } = spec;
    const [variables, functions] = uses(read.tree);
    const extraVariables = new Set([...variables].filter((k) => !result.variables.includes(k)));
    const extraFunctions = new Set([...functions].filter((f) => !result.functions.includes(f)));
    if (extraVariables.size || extraFunctions.size) {
      const allowed = namesOf(spec, result.variables, new Set(result.functions)) || message("numbers_only");
      const extra = namesOf(spec, extraVariables, extraFunctions);
      return overall("unfinished", message("derivation_unfinished", { lines: count, extra, allowed }), verdicts);
    }
    return overall("correct", message("derivation_complete", { lines: count }), verdicts);
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

  const DERIVATION_CLASSES = {
    correct: "answer-correct", unfinished: "derivation-unfinished", incorrect: "answer-wrong", invalid: "answer-error",
  };
  const LINE_CLASSES = { follows: "line-follows", incorrect: "line-wrong", invalid: "line-error", unchecked: "line-unchecked" };

  function wireDerivation(box) {
    const spec = JSON.parse(box.dataset.derivation);
    const input = box.querySelector(".derivation-input");
    const feedback = box.querySelector(".derivation-feedback");
    const list = box.querySelector(".derivation-lines");
    const run = () => {
      box.classList.remove(...Object.values(DERIVATION_CLASSES));
      let result;
      try {
        result = judgeDerivation(input.value, spec);
      } catch (error) {
        console.error(error); // a bug of the checker, not of the derivation: say so plainly
        result = { verdict: "invalid", feedback: "This derivation could not be checked: please report it with the exercise's number.", lines: [] };
      }
      feedback.textContent = result.feedback;
      list.replaceChildren(
        ...result.lines.map((line) => {
          const item = document.createElement("li");
          item.className = LINE_CLASSES[line.verdict];
          item.textContent = line.feedback;
          return item;
        }),
      );
      box.classList.add(DERIVATION_CLASSES[result.verdict]);
    };
    box.querySelector(".derivation-check").addEventListener("click", run);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run(); // Enter alone starts the next line
    });
    // Hints: each press of the button shows the next one.
    const hintButton = box.querySelector(".derivation-hint");
    if (hintButton) {
      const hints = Array.from(box.querySelectorAll(".derivation-hints > li"));
      hintButton.addEventListener("click", () => {
        const next = hints.find((h) => h.hidden);
        if (next) next.hidden = false;
        const left = hints.filter((h) => h.hidden).length;
        const all = hints.length === 1 ? "The hint is shown" : `All ${hints.length} hints shown`;
        hintButton.textContent = left ? `Show hint ${hints.length - left + 1} of ${hints.length}` : all;
      });
    }
  }

  // The reader, for the tests that compare its trees with answers.reader's (answers.nodes.to_json).
  AnswerLanguage.read = (text, spec) => new Reader(spec).read(parse(text));

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".answer-box").forEach(wire);
    document.querySelectorAll(".derivation-box").forEach(wireDerivation);
  });
})();
