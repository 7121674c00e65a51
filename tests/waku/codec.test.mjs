// Unit tests (no processes) of the stand-in's message cache and codecs.

import assert from "node:assert/strict";
import { test } from "node:test";
import { JsonNumber, parseJson, stringifyJson } from "./lib/json.mjs";
import { MessageCache } from "./lib/message-cache.mjs";
import { decodeWakuMessage, encodeWakuMessage, messageFromRestJson, messageToRestJson } from "./lib/waku-message.mjs";

let seq = 0n;
const msg = (over = {}) => ({
  payload: Buffer.from(`p${seq}`),
  contentTopic: "/a/1/b/proto",
  version: 0,
  timestamp: 1700000000000000000n + seq++,
  meta: new Uint8Array(0),
  ephemeral: false,
  proof: new Uint8Array(0),
  ...over,
});

test("cache: subscribed topic only, idempotent add, GET with clear", { timeout: 10000 }, () => {
  const c = new MessageCache(50);
  assert.equal(c.addMessage("/t/0", msg()), false); // not subscribed
  assert.equal(c.getMessages("/t/0"), null);
  c.pubsubSubscribe("/t/0");
  const m = msg();
  assert.equal(c.addMessage("/t/0", m), true);
  assert.equal(c.addMessage("/t/0", { ...m }), false); // equal in every field
  assert.equal(c.size, 1);
  assert.deepEqual(c.getMessages("/t/0", false), [m]);
  assert.deepEqual(c.getMessages("/t/0", true), [m]);
  assert.deepEqual(c.getMessages("/t/0", true), []);
  assert.equal(c.getMessages("/t/1"), null);
});

test("cache: a message is indexed under its pubsub and content topic", { timeout: 10000 }, () => {
  const c = new MessageCache(50);
  c.pubsubSubscribe("/t/0");
  const m = msg();
  c.addMessage("/t/0", m);
  assert.deepEqual(c.getAutoMessages(m.contentTopic), [m]); // content topic got tracked too
  const c2 = new MessageCache(50);
  c2.contentSubscribe(m.contentTopic);
  c2.addMessage("/t/9", m);
  assert.deepEqual(c2.getMessages("/t/9"), [m]); // and the other way round
});

test("cache: unsubscribing drops messages no other topic refers to", { timeout: 10000 }, () => {
  const c = new MessageCache(50);
  for (const t of ["/t/0", "/t/1", "/t/2"]) c.pubsubSubscribe(t);
  c.contentSubscribe("/other/1/x/proto");
  c.addMessage("/t/0", msg());
  c.addMessage("/t/1", msg());
  c.addMessage("/t/2", msg({ contentTopic: "/other/1/x/proto" }));
  c.pubsubUnsubscribe("/t/2"); // still referenced by its content topic
  assert.equal(c.size, 3);
  assert.equal(c.isPubsubSubscribed("/t/2"), false);
  c.contentUnsubscribe("/other/1/x/proto");
  assert.equal(c.size, 2);
  assert.equal(c.getMessages("/t/1").length, 1);
});

test("cache: fuzzed operations keep the indices consistent and the capacity", { timeout: 10000 }, () => {
  const c = new MessageCache(7);
  c.contentSubscribe("/c/1/a/p");
  c.contentSubscribe("/c/1/b/p");
  let r = 12345;
  const rand = () => ((r = (r * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 5000; i++) {
    const x = rand();
    const ct = rand() > 0.5 ? "/c/1/a/p" : "/c/1/b/p";
    const pt = rand() > 0.5 ? "/t/0" : "/t/1";
    if (x > 0.4) c.addMessage(pt, msg({ contentTopic: ct, timestamp: BigInt(Math.floor(rand() * 1000)) }));
    else if (x > 0.2) c.getAutoMessages(ct, rand() > 0.5);
    else if (x > 0.1) c.getMessages(pt, rand() > 0.5);
    else if (x > 0.05) rand() > 0.5 ? c.pubsubUnsubscribe(pt) : c.pubsubSubscribe(pt);
    else rand() > 0.5 ? c.contentUnsubscribe(ct) : c.contentSubscribe(ct);
    assert.ok(c.size <= 7);
    for (const [tId, mId] of c.pubsubIndex) assert.ok(tId < c.pubsubTopics.length && mId < c.size);
    for (const [tId, mId] of c.contentIndex) assert.ok(tId < c.contentTopics.length && mId < c.size);
    for (let m = 0; m < c.size; m++) assert.ok(c.pubsubIndex.some(([, x]) => x === m) || c.contentIndex.some(([, x]) => x === m));
  }
});

test("json: integers stay exact, duplicate keys and garbage are rejected", { timeout: 10000 }, () => {
  const v = parseJson('{"timestamp": 9223372036854775807, "n": -1, "f": 1.5, "s": "\\u00e9\\n", "a": [true, null]}');
  assert.equal(v.timestamp.toBigInt(), 9223372036854775807n);
  assert.equal(v.n.toBigInt(), -1n);
  assert.equal(v.f.toBigInt(), null);
  assert.equal(v.s, "\u00e9\n");
  assert.deepEqual(v.a, [true, null]);
  for (const bad of ['{"a":1,"a":2}', "[1,]", "{} x", '"\u0001"', "01"]) assert.throws(() => parseJson(bad));
  assert.equal(stringifyJson({ t: 1700000000123456789n, s: "x", u: undefined, l: [1, false] }), '{"t":1700000000123456789,"s":"x","l":[1,false]}');
  assert.ok(new JsonNumber("5") instanceof JsonNumber);
});

test("protobuf: round trip incl. negative and max int64 timestamps, meta, proof, ephemeral", { timeout: 10000 }, () => {
  for (const timestamp of [1700000000123456789n, -5n, (1n << 63n) - 1n, -(1n << 63n), 1n]) {
    const m = msg({ timestamp, version: 1, meta: Buffer.from("meta"), proof: Buffer.from([9, 9]), ephemeral: true });
    const d = decodeWakuMessage(encodeWakuMessage(m));
    assert.equal(d.timestamp, timestamp);
    assert.deepEqual([...d.payload], [...m.payload]);
    assert.deepEqual([d.contentTopic, d.version, d.ephemeral], [m.contentTopic, 1, true]);
    assert.deepEqual([...d.meta], [...m.meta]);
    assert.deepEqual([...d.proof], [9, 9]);
  }
  assert.throws(() => decodeWakuMessage(Uint8Array.from([0x12, 1, 0x41]))); // no payload
});

test("REST JSON: nwaku's field rules", { timeout: 10000 }, () => {
  const m = messageFromRestJson(parseJson('{"payload":"AQID","contentTopic":"/a/1/b/c","timestamp":1700000000123456789}'));
  assert.equal(m.timestamp, 1700000000123456789n);
  assert.equal(m.version, 0);
  assert.equal(m.ephemeral, false);
  assert.deepEqual(messageToRestJson(m), {
    payload: "AQID",
    contentTopic: "/a/1/b/c",
    version: 0,
    timestamp: 1700000000123456789n,
    meta: undefined,
    ephemeral: false,
    proof: "",
  });
  // timestamp 0 or absent: now, in ns
  const now = messageFromRestJson(parseJson('{"payload":"AQID","contentTopic":"/a/1/b/c","timestamp":0}')).timestamp;
  assert.ok(now > 1600000000000000000n);
  for (const bad of [
    '{"contentTopic":"/a/1/b/c"}',
    '{"payload":" ","contentTopic":"/a/1/b/c"}',
    '{"payload":"AQID","contentTopic":""}',
    '{"payload":"AQID","contentTopic":"/a/1/b/c","version":-1}',
    '{"payload":"AQID","contentTopic":"/a/1/b/c","timestamp":9223372036854775808}',
    '{"payload":"AQID","contentTopic":"/a/1/b/c","ephemeral":"yes"}',
    '{"payload":"AQI","contentTopic":"/a/1/b/c"}',
    '{"payload":"AQID","contentTopic":"/a/1/b/c","extra":1}', // nwaku: any unknown field is a 400
    "[]",
  ])
    assert.throws(() => messageFromRestJson(parseJson(bad)), bad);
  // `ephemeral` is a field only nwaku v0.27.0 and later know.
  const eph = parseJson('{"payload":"AQID","contentTopic":"/a/1/b/c","ephemeral":true}');
  assert.equal(messageFromRestJson(eph).ephemeral, true);
  assert.throws(() => messageFromRestJson(eph, { acceptEphemeral: false }), /unrecognized field 'ephemeral'/);
});
