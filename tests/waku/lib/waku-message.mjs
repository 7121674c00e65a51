// WakuMessage (14/WAKU2-MESSAGE) in its three forms for the stand-in:
// the protobuf bytes that travel over relay, the in-memory object, and the
// JSON of nwaku's relay REST API (RelayWakuMessage).
//
// In-memory: {payload: Uint8Array, contentTopic: string, version: number,
//   timestamp: bigint (ns), meta: Uint8Array, ephemeral: boolean,
//   proof: Uint8Array}
//
// The protobuf codec is hand-written (rather than @waku/proto's) so that the
// int64 timestamp and the opaque `proof` bytes (field 21) round-trip exactly;
// like nwaku's encoder it omits fields that hold their default value.

import { JsonNumber } from "./json.mjs";

const MAX_META_LEN = 64; // nwaku MaxMetaAttrLength
const U64 = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

// ---- protobuf ----

function pushVarint(out, v) {
  v = BigInt(v);
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function pushBytesField(out, field, bytes) {
  pushVarint(out, (field << 3) | 2);
  pushVarint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

export function encodeWakuMessage(m) {
  const out = [];
  if (m.payload.length) pushBytesField(out, 1, m.payload);
  if (m.contentTopic.length) pushBytesField(out, 2, new TextEncoder().encode(m.contentTopic));
  if (m.version) {
    pushVarint(out, (3 << 3) | 0);
    pushVarint(out, m.version);
  }
  if (m.timestamp !== 0n) {
    pushVarint(out, (10 << 3) | 0);
    pushVarint(out, ((m.timestamp << 1n) ^ (m.timestamp >> 63n)) & U64); // zigzag sint64
  }
  if (m.meta.length) pushBytesField(out, 11, m.meta);
  if (m.proof.length) pushBytesField(out, 21, m.proof);
  if (m.ephemeral) {
    pushVarint(out, (31 << 3) | 0);
    pushVarint(out, 1);
  }
  return Uint8Array.from(out);
}

export function decodeWakuMessage(buf) {
  let i = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length || shift > 63n) throw new Error("bad varint");
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  const m = { version: 0, timestamp: 0n, meta: new Uint8Array(0), ephemeral: false, proof: new Uint8Array(0) };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error("truncated field");
      const bytes = buf.slice(i, i + len);
      i += len;
      if (field === 1) m.payload = bytes;
      else if (field === 2) m.contentTopic = new TextDecoder().decode(bytes);
      else if (field === 11) m.meta = bytes;
      else if (field === 21) m.proof = bytes;
    } else if (wire === 0) {
      const v = varint();
      if (field === 3) m.version = Number(v & 0xffffffffn);
      else if (field === 10) m.timestamp = BigInt.asIntN(64, (v >> 1n) ^ -(v & 1n));
      else if (field === 31) m.ephemeral = v !== 0n;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  if (i > buf.length) throw new Error("truncated field");
  if (m.payload === undefined) throw new Error("missing required field payload");
  if (m.contentTopic === undefined) throw new Error("missing required field content_topic");
  if (m.meta.length > MAX_META_LEN) throw new Error("invalid length field meta");
  return m;
}

// ---- REST JSON (nwaku waku/rest_api/endpoint/relay/types.nim) ----

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function b64decode(s) {
  if (!B64.test(s)) throw new RestDecodeError("Incorrect base64 string");
  return new Uint8Array(Buffer.from(s, "base64"));
}
const b64encode = (bytes) => Buffer.from(bytes).toString("base64");

export class RestDecodeError extends Error {}

function nowNs() {
  // float milliseconds -> ns, like nwaku's getNanosecondTime(getTime().toUnixFloat())
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

// Parsed JSON (from parseJson) -> in-memory message.
// Throws RestDecodeError with nwaku-like texts. `stage` tells which of nwaku's
// two steps failed: "decode" (JSON -> RelayWakuMessage) or "convert"
// (RelayWakuMessage -> WakuMessage, i.e. base64/range errors).
// nwaku's RelayWakuMessage reader fails on a field it does not know (a 400), and knows
// `ephemeral` only since v0.27.0: `acceptEphemeral` says whether this node does.
const KNOWN_FIELDS = new Set(["payload", "contentTopic", "version", "timestamp", "meta", "ephemeral", "proof"]);

export function messageFromRestJson(obj, { acceptEphemeral = true } = {}) {
  const bad = (msg) => {
    const e = new RestDecodeError(msg);
    e.stage = "decode";
    throw e;
  };
  if (obj === null || typeof obj !== "object" || Array.isArray(obj) || obj instanceof JsonNumber) bad("expected an object");
  for (const k of Object.keys(obj))
    if (!KNOWN_FIELDS.has(k) || (k === "ephemeral" && !acceptEphemeral)) bad(`unrecognized field '${k}'`);
  const str = (k) => {
    if (obj[k] === undefined) return undefined;
    if (typeof obj[k] !== "string") bad(`field ${k}: expected a string`);
    return obj[k];
  };
  const int = (k, min, max) => {
    if (obj[k] === undefined) return undefined;
    const v = obj[k] instanceof JsonNumber ? obj[k].toBigInt() : null;
    if (v === null || v < min || v > max) bad(`field ${k}: expected an integer in [${min}, ${max}]`);
    return v;
  };
  const payload = str("payload");
  const contentTopic = str("contentTopic");
  const version = int("version", 0n, INT64_MAX); // Nim Natural
  const timestamp = int("timestamp", INT64_MIN, INT64_MAX);
  const meta = str("meta");
  const proof = str("proof");
  if (obj.ephemeral !== undefined && typeof obj.ephemeral !== "boolean") bad("field ephemeral: expected a boolean");
  if (payload === undefined || payload.trim() === "") bad("Field `payload` is missing or empty");
  if (contentTopic === undefined || contentTopic.trim() === "") bad("Field `contentTopic` is missing or empty");

  try {
    if (version !== undefined && version > 0xffffffffn) throw new RestDecodeError("version does not fit in uint32");
    return {
      payload: b64decode(payload),
      contentTopic,
      version: Number(version ?? 0n),
      timestamp: timestamp === undefined || timestamp === 0n ? nowNs() : timestamp,
      meta: meta === undefined ? new Uint8Array(0) : b64decode(meta),
      ephemeral: obj.ephemeral ?? false,
      proof: proof === undefined ? new Uint8Array(0) : b64decode(proof),
    };
  } catch (e) {
    e.stage = "convert";
    throw e;
  }
}

// In-memory message -> plain object for stringifyJson, fields in nwaku's order.
export function messageToRestJson(m) {
  return {
    payload: b64encode(m.payload),
    contentTopic: m.contentTopic,
    version: m.version,
    timestamp: m.timestamp, // bigint: written as an exact integer
    meta: m.meta.length ? b64encode(m.meta) : undefined,
    ephemeral: m.ephemeral,
    proof: b64encode(m.proof),
  };
}
