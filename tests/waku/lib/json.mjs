// Minimal strict JSON reader/writer for the stand-in.
//
// Why not JSON.parse: Waku timestamps are int64 nanoseconds (~1.7e18), far
// above 2^53, so a JS double would silently round them. This parser keeps every
// number as its source text (JsonNumber) so callers can turn integers into
// BigInt exactly. It also rejects duplicate object keys (nwaku rejects
// repeated fields in a message).

export class JsonNumber {
  constructor(raw) {
    this.raw = raw;
  }
  // Exact integer value as BigInt, or null if the literal is not an integer
  // (has a fraction or an exponent).
  toBigInt() {
    return /^-?(0|[1-9][0-9]*)$/.test(this.raw) ? BigInt(this.raw) : null;
  }
}

export class JsonError extends Error {}

export function parseJson(text) {
  let i = 0;
  const n = text.length;
  const fail = (what) => {
    throw new JsonError(`${what} at offset ${i}`);
  };
  const ws = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const value = () => {
    ws();
    if (i >= n) fail("unexpected end");
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const [lit, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    fail("unexpected character");
  };
  const object = () => {
    i++; // {
    const out = Object.create(null);
    ws();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail("expected key");
      const k = string();
      if (Object.prototype.hasOwnProperty.call(out, k)) fail(`duplicate key "${k}"`);
      ws();
      if (text[i] !== ":") fail("expected ':'");
      i++;
      out[k] = value();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return out;
      }
      fail("expected ',' or '}'");
    }
  };
  const array = () => {
    i++; // [
    const out = [];
    ws();
    if (text[i] === "]") {
      i++;
      return out;
    }
    for (;;) {
      out.push(value());
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return out;
      }
      fail("expected ',' or ']'");
    }
  };
  const string = () => {
    i++; // opening quote
    let out = "";
    for (;;) {
      if (i >= n) fail("unterminated string");
      const c = text[i++];
      if (c === '"') return out;
      if (c < " ") fail("control character in string");
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[i++];
      const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }[e];
      if (simple !== undefined) out += simple;
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) {
        out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
        i += 4;
      } else fail("bad escape");
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m) fail("bad number");
    i += m[0].length;
    return new JsonNumber(m[0]);
  };
  const v = value();
  ws();
  if (i !== n) fail("trailing data");
  return v;
}

// Serialises plain values; BigInt is written as an exact integer literal.
export function stringifyJson(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "[" + v.map(stringifyJson).join(",") + "]";
  return (
    "{" +
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => JSON.stringify(k) + ":" + stringifyJson(x))
      .join(",") +
    "}"
  );
}
