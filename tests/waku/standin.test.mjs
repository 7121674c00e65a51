// Tests of the nwaku relay-REST stand-in: messages really cross Waku relay
// (gossipsub between two js-waku nodes) and the REST layer behaves like nwaku's.
// Run from the repo root:  node --test tests/waku/

import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort } from "../lib/net.mjs";
import { parseJson } from "./lib/json.mjs";
import { DEFAULT_PUBSUB_TOPIC, meshState, startMeshedPair, startStandin, waitForMesh } from "./lib/standin.mjs";

const T0 = DEFAULT_PUBSUB_TOPIC; // /waku/2/rs/66/0, pre-subscribed like nwaku --cluster-id 66 --shard 0
const T1 = "/waku/2/rs/66/1"; // not subscribed at start
const enc = encodeURIComponent;
const TIMEOUT = { timeout: 60000 };

async function rest(standin, method, path, body, contentType = "application/json") {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["content-type"] = contentType;
  }
  const r = await fetch(standin.restUrl + path, init);
  const text = await r.text();
  // parseJson keeps integers exact (BigInt via JsonNumber.toBigInt()).
  const json = r.headers.get("content-type")?.startsWith("application/json") ? parseJson(text) : undefined;
  return { status: r.status, text, json };
}
const subscribe = (s, topics) => rest(s, "POST", "/relay/v1/subscriptions", topics);
const post = (s, topic, msg) => rest(s, "POST", `/relay/v1/messages/${enc(topic)}`, JSON.stringify(msg).replace(/"@@(-?\d+)"/g, "$1"));
const get = (s, topic) => rest(s, "GET", `/relay/v1/messages/${enc(topic)}`);
// Timestamps go on the wire as exact integer literals: "@@<digits>" is unquoted by post().
const ts = (big) => `@@${big}`;
const b64 = (s) => Buffer.from(s).toString("base64");

// Polls GET (which clears) until `count` messages were collected.
async function collect(s, topic, count, timeoutMs = 15000) {
  const got = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count) {
    const r = await get(s, topic);
    assert.equal(r.status, 200, r.text);
    got.push(...r.json);
    if (got.length >= count) break;
    if (Date.now() > deadline) throw new Error(`got ${got.length}/${count} messages on ${topic} before timeout`);
    await new Promise((res) => setTimeout(res, 50));
  }
  return got;
}

async function withStandins(starters, fn) {
  const started = [];
  try {
    for (const start of starters) {
      const r = await start(started);
      started.push(...(Array.isArray(r) ? r : [r]));
    }
    return await fn(...started);
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

test("message published on A crosses relay to B, exactly, and GET clears", TIMEOUT, () =>
  withStandins([() => startMeshedPair()], async (a, b) => {
    assert.equal((await subscribe(a, [T0])).status, 200);
    const sub = await subscribe(b, [T0]);
    assert.equal(sub.status, 200);
    assert.equal(sub.text, "OK");

    const stamp = 1700000000123456789n; // > 2^53: a double would round it
    assert.notEqual(BigInt(Number(stamp)), stamp);
    const payload = b64("hello \u00e9 \u0000 over waku relay");
    const r = await post(a, T0, { payload, contentTopic: "/webrtc-star/1/signal/json", timestamp: ts(stamp), meta: b64("m"), ephemeral: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, "OK");

    const [m] = await collect(b, T0, 1);
    assert.equal(m.payload, payload);
    assert.equal(m.contentTopic, "/webrtc-star/1/signal/json");
    assert.equal(m.timestamp.toBigInt(), stamp);
    assert.equal(m.version.toBigInt(), 0n);
    assert.equal(m.meta, b64("m"));
    assert.equal(m.ephemeral, true);

    const again = await get(b, T0);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, []);
    assert.equal(again.text, "[]");

    // Raw response text carries the exact integer too.
    await post(a, T0, { payload: b64("x"), contentTopic: "/a/1/b/proto", timestamp: ts((1n << 62n) + 1n) });
    const raw = [];
    const deadline = Date.now() + 15000;
    while (!raw.join("").includes("4611686018427387905") && Date.now() < deadline) {
      raw.push((await get(b, T0)).text);
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.match(raw.join(""), /"timestamp":4611686018427387905[,}]/);

    // Like nwaku (relay triggerSelf), A's own messages reach A's cache as well.
    const own = await get(a, T0);
    assert.deepEqual(
      own.json.map((x) => x.timestamp.toBigInt()),
      [stamp, (1n << 62n) + 1n],
    );
  }));

test("subscription errors: 404 GET and 400 POST when not subscribed; bad requests are 400", TIMEOUT, () =>
  withStandins([() => startStandin()], async (a) => {
    assert.equal((await get(a, T1)).status, 404);
    const p = await post(a, T1, { payload: b64("x"), contentTopic: "/a/1/b/proto" });
    assert.equal(p.status, 400);
    assert.equal(p.text, `Failed to publish: Node not subscribed to topic: ${T1}`);

    assert.equal((await subscribe(a, [T1])).status, 200);
    assert.deepEqual((await get(a, T1)).json, []);
    assert.equal((await post(a, T1, { payload: b64("x"), contentTopic: "/a/1/b/proto" })).status, 200); // no peers: still 200
    assert.equal((await get(a, T1)).json.length, 1);

    assert.equal((await rest(a, "DELETE", "/relay/v1/subscriptions", [T1])).status, 200);
    assert.equal((await get(a, T1)).status, 404);
    assert.equal((await post(a, T1, { payload: b64("x"), contentTopic: "/a/1/b/proto" })).status, 400);

    // Invalid requests.
    const bad = await subscribe(a, ["not-a-shard"]);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Invalid pubsub topic/);
    assert.equal((await subscribe(a, "{")).status, 400);
    assert.equal((await post(a, T0, { contentTopic: "/a/1/b/proto" })).status, 400); // no payload
    assert.equal((await post(a, T0, { payload: "", contentTopic: "/a/1/b/proto" })).status, 400);
    assert.equal((await post(a, T0, { payload: b64("x") })).status, 400); // no contentTopic
    assert.equal((await post(a, T0, { payload: "@@@", contentTopic: "/a/1/b/proto" })).status, 400); // bad base64
    assert.equal((await post(a, T0, { payload: b64("x"), contentTopic: "/a/1/b/proto", timestamp: 1.5 })).status, 400);
    const dup = await rest(a, "POST", `/relay/v1/messages/${enc(T0)}`, '{"payload":"eA==","payload":"eA==","contentTopic":"/a/1/b/proto"}');
    assert.equal(dup.status, 400);
    const ct = await rest(a, "POST", `/relay/v1/messages/${enc(T0)}`, { payload: b64("x"), contentTopic: "/a/1/b/proto" }, "application/octet-stream");
    assert.equal(ct.status, 400);
    const big = await post(a, T0, { payload: Buffer.alloc(160 * 1024).toString("base64"), contentTopic: "/a/1/b/proto" });
    assert.equal(big.status, 400);
    assert.match(big.text, /Message size exceeded maximum of 153600 bytes/);
    assert.deepEqual((await get(a, T0)).json, []); // none of the bad ones was cached

    const health = await rest(a, "GET", "/health");
    assert.equal(health.status, 200);
    assert.equal(health.json.nodeHealth, "READY");
  }));

test("one cache of 50 messages shared by all topics evicts the oldest", TIMEOUT, () =>
  withStandins([() => startStandin()], async (a) => {
    assert.equal((await subscribe(a, [T1])).status, 200);
    const base = 1700000000000000000n;
    // 30 on T0 then 30 on T1, increasing timestamps: 60 > 50, the 10 oldest (T0) go.
    for (let i = 0; i < 60; i++) {
      const r = await post(a, i < 30 ? T0 : T1, { payload: b64(`m${i}`), contentTopic: "/a/1/b/proto", timestamp: ts(base + BigInt(i)) });
      assert.equal(r.status, 200, r.text);
    }
    assert.equal((await meshState(a, T0)).subscribed, true);
    const g0 = (await get(a, T0)).json;
    const g1 = (await get(a, T1)).json;
    assert.equal(g0.length + g1.length, 50);
    // nwaku's cache removes by swap-delete, so after evictions a GET's order is
    // not arrival order: compare sorted.
    const sorted = (ms) => ms.map((m) => m.timestamp.toBigInt()).sort((x, y) => (x < y ? -1 : 1));
    assert.deepEqual(sorted(g0), Array.from({ length: 20 }, (_, i) => base + 10n + BigInt(i)));
    assert.deepEqual(sorted(g1), Array.from({ length: 30 }, (_, i) => base + 30n + BigInt(i)));
    assert.ok(g0.every((m) => Buffer.from(m.payload, "base64").toString() === `m${m.timestamp.toBigInt() - base}`));
    assert.deepEqual((await get(a, T0)).json, []);
  }));

test("cache capacity flag, and eviction is by smallest timestamp (as nwaku)", TIMEOUT, () =>
  withStandins([() => startStandin({ cacheCapacity: 3 })], async (a) => {
    const stamps = [500n, 100n, 300n, 400n]; // the 4th evicts the one with ts 100
    for (const [i, t] of stamps.entries())
      assert.equal((await post(a, T0, { payload: b64(`m${i}`), contentTopic: "/a/1/b/proto", timestamp: ts(t) })).status, 200);
    const got = (await get(a, T0)).json.map((m) => m.timestamp.toBigInt()).sort((x, y) => (x < y ? -1 : 1));
    assert.deepEqual(got, [300n, 400n, 500n]);
  }));

test("autosharding routes: content-topic subscribe, publish and fetch across relay", TIMEOUT, () =>
  withStandins([() => startMeshedPair()], async (a, b) => {
    const ct = "/webrtc-star/1/auto/proto";
    assert.equal((await rest(b, "GET", `/relay/v1/auto/messages/${enc(ct)}`)).status, 404);
    assert.equal((await rest(b, "POST", "/relay/v1/auto/subscriptions", [ct])).status, 200);
    const r = await rest(a, "POST", "/relay/v1/auto/messages", { payload: b64("auto"), contentTopic: ct });
    assert.equal(r.status, 200, r.text);
    const got = [];
    const deadline = Date.now() + 15000;
    while (got.length === 0 && Date.now() < deadline) {
      const g = await rest(b, "GET", `/relay/v1/auto/messages/${enc(ct)}`);
      assert.equal(g.status, 200);
      got.push(...g.json);
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(got.length, 1);
    assert.equal(Buffer.from(got[0].payload, "base64").toString(), "auto");
    // With one shard in the network (nwaku default) every content topic maps to shard 0.
    assert.equal((await get(b, T0)).json.length, 0); // cleared through the content-topic GET
  }));

test("three stand-ins: a message from C reaches A through relay", TIMEOUT, () =>
  withStandins(
    [() => startMeshedPair(), ([a]) => startStandin({ peers: [a.relayAddr] })],
    async (a, b, c) => {
      await waitForMesh([a, b, c]);
      const r = await post(c, T0, { payload: b64("from C"), contentTopic: "/a/1/b/proto", timestamp: ts(1700000000999999999n) });
      assert.equal(r.status, 200);
      const [fromA] = await collect(a, T0, 1);
      const [fromB] = await collect(b, T0, 1);
      for (const m of [fromA, fromB]) assert.equal(m.timestamp.toBigInt(), 1700000000999999999n);
    },
  ));

test("a restarted peer (same --nodekey and --tcp-port) is redialled and relays again", TIMEOUT, async () => {
  const args = ["--nodekey", "1f".repeat(32), "--tcp-port", String(await freePort())];
  const started = [];
  try {
    const a = await startStandin({ extraArgs: args });
    started.push(a);
    const b = await startStandin({ peers: [a.relayAddr] });
    started.push(b);
    await waitForMesh([a, b]);
    assert.deepEqual(await a.stop(), { code: 0, signal: null });

    const a2 = await startStandin({ extraArgs: args });
    started.push(a2);
    assert.equal(a2.relayAddr, a.relayAddr);
    await waitForMesh([a2, b]); // b redials its --peer
    assert.equal((await post(a2, T0, { payload: b64("again"), contentTopic: "/a/1/b/proto" })).status, 200);
    const [m] = await collect(b, T0, 1);
    assert.equal(Buffer.from(m.payload, "base64").toString(), "again");
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
});

test("stops cleanly on SIGTERM and SIGINT (exit 0) and frees its REST port", TIMEOUT, async () => {
  const [a, b] = await startMeshedPair();
  try {
    assert.deepEqual(await a.stop(), { code: 0, signal: null });
    process.kill(b.pid, "SIGINT");
    assert.deepEqual(await b.exited, { code: 0, signal: null });
    await assert.rejects(fetch(`${a.restUrl}/health`));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
