// The stand-in's behaviours that the backend must handle as it would nwaku's, each modelled on
// nwaku's REST sources and tests (waku/rest_api/endpoint/builder.nim's error handler,
// relay/types.nim's message reader, health/types.nim, tests/wakunode_rest/test_rest_relay.nim,
// test_rest_health.nim): unknown fields, versions, the initialisation window, unknown routes,
// /health's relay readiness, and the size cap on what is relayed.
// Run from the repo root:  node --test tests/waku/

import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_PUBSUB_TOPIC, startMeshedPair, startStandin, waitForMesh } from "./lib/standin.mjs";

const T0 = DEFAULT_PUBSUB_TOPIC;
const enc = encodeURIComponent;
const TIMEOUT = { timeout: 60000 };
const b64 = (s) => Buffer.from(s).toString("base64");
const CT = "/webrtc-star/1/signal/json";

async function rest(standin, method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const r = await fetch(standin.restUrl + path, init);
  const text = await r.text();
  return { status: r.status, text, json: r.headers.get("content-type")?.startsWith("application/json") ? JSON.parse(text) : undefined };
}
const post = (s, msg) => rest(s, "POST", `/relay/v1/messages/${enc(T0)}`, msg);
const get = (s) => rest(s, "GET", `/relay/v1/messages/${enc(T0)}`);

async function withStandin(opts, fn) {
  const s = await startStandin(opts);
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}

test("an unknown message field is a 400; `ephemeral` is known from v0.27.0 on", TIMEOUT, async () => {
  await withStandin({}, async (a) => {
    const version = await rest(a, "GET", "/debug/v1/version");
    assert.equal(version.status, 200);
    assert.equal(version.text, "v0.36.0");
    const extra = await post(a, { payload: b64("x"), contentTopic: CT, color: "blue" });
    assert.equal(extra.status, 400);
    assert.match(extra.text, /could not decode/);
    assert.equal((await post(a, { payload: b64("x"), contentTopic: CT, ephemeral: true })).status, 200);
    assert.equal((await get(a)).json.length, 1, "only the valid one was relayed");
  });
  await withStandin({ extraArgs: ["--nwaku-version", "v0.26.0"] }, async (old) => {
    assert.equal((await rest(old, "GET", "/debug/v1/version")).text, "v0.26.0");
    assert.equal((await post(old, { payload: b64("x"), contentTopic: CT, ephemeral: true })).status, 400);
    assert.equal((await post(old, { payload: b64("x"), contentTopic: CT })).status, 200);
  });
});

test("while initialising, /health is 200 INITIALIZING and the other routes 404 with a text", TIMEOUT, async () => {
  await withStandin({ extraArgs: ["--init-delay-ms", "4000"] }, async (a) => {
    const started = Date.now();
    const health = await rest(a, "GET", "/health");
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { nodeHealth: "INITIALIZING", protocolsHealth: [] });
    const poll = await get(a);
    assert.equal(poll.status, 404);
    assert.equal(poll.text, "/relay endpoints are not available while initializing.");
    const version = await rest(a, "GET", "/debug/v1/version");
    assert.equal(version.status, 404);
    assert.equal(version.text, "/debug endpoints are not available while initializing.");
    assert.ok(Date.now() - started < 4000, "the checks above ran inside the window");
    await new Promise((r) => setTimeout(r, 4000 - (Date.now() - started) + 100));
    assert.equal((await get(a)).status, 200);
    assert.equal((await rest(a, "GET", "/health")).json.nodeHealth, "READY");
  });
});

test("unknown routes: 400 outside nwaku's roots (a wrong base path), 404 with a text under them", TIMEOUT, async () => {
  await withStandin({}, async (a) => {
    const wrongBase = await rest(a, "GET", `/api/relay/v1/messages/${enc(T0)}`);
    assert.equal(wrongBase.status, 400);
    assert.equal(wrongBase.text, "Bad request initiated. Invalid path or method used.");
    assert.equal((await rest(a, "POST", "/nwaku/relay/v1/subscriptions", [T0])).status, 400);
    // Under /relay nwaku's table still holds its start-up text.
    const underRelay = await rest(a, "GET", "/relay/v1/nothing");
    assert.equal(underRelay.status, 404);
    assert.match(underRelay.text, /^\/relay endpoints are not available/);
  });
});

test("/health reports relay NOT_READY without peers and READY once meshed", TIMEOUT, async () => {
  const [a, b] = await startMeshedPair();
  try {
    const lonely = await startStandin();
    try {
      const h = (await rest(lonely, "GET", "/health")).json;
      assert.equal(h.nodeHealth, "READY");
      assert.deepEqual(h.protocolsHealth, [{ Relay: "NOT_READY", desc: "No connected peers" }]);
    } finally {
      await lonely.stop();
    }
    assert.deepEqual((await rest(a, "GET", "/health")).json.protocolsHealth, [{ Relay: "READY" }]);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test("a node relays nothing larger than its --max-msg-size, even from a peer that allows more", TIMEOUT, async () => {
  // A takes 1 MiB over REST; B, with nwaku's default 150 KiB, must not pass on A's 200 KiB message.
  const big = await startStandin({ extraArgs: ["--max-msg-size", "1MiB"] });
  const small = await startStandin({ peers: [big.relayAddr] });
  try {
    await waitForMesh([big, small]);
    await get(small); // clear
    assert.equal((await post(big, { payload: Buffer.alloc(200 * 1024, 1).toString("base64"), contentTopic: CT })).status, 200);
    assert.equal((await post(big, { payload: b64("small"), contentTopic: CT })).status, 200);
    const deadline = Date.now() + 5000;
    let got = [];
    while (!got.some((m) => m.payload === b64("small")) && Date.now() < deadline) {
      got.push(...(await get(small)).json);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(got.some((m) => m.payload === b64("small")), "the small message crossed");
    assert.ok(!got.some((m) => m.payload.length > 1000), "the large one did not");
  } finally {
    await Promise.all([small.stop(), big.stop()]);
  }
});
