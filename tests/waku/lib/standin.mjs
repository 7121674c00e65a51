// Test helper: spawn nwaku relay-REST stand-ins and mesh them.
//
//   const a = await startStandin();                       // {restUrl, relayAddr, stop()}
//   const b = await startStandin({ peers: [a.relayAddr] });
//   await waitForMesh([a, b]);                            // both have a mesh peer on the topic
//   ...
//   await b.stop(); await a.stop();
//
// or `const [a, b] = await startMeshedPair()`.
//
// The Node binary is process.execPath unless options.node or the
// WAKU_STANDIN_NODE environment variable names another one.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const STANDIN_PATH = fileURLToPath(new URL("../nwaku-standin.mjs", import.meta.url));
export const DEFAULT_PUBSUB_TOPIC = "/waku/2/rs/66/0";

export async function startStandin({
  peers = [],
  cacheCapacity,
  clusterId,
  shards,
  extraArgs = [],
  node = process.env.WAKU_STANDIN_NODE || process.execPath,
  readyTimeoutMs = 30000,
} = {}) {
  const args = [STANDIN_PATH, "--rest-port", "0", "--exit-with-stdin"];
  for (const p of peers) args.push("--peer", p);
  if (cacheCapacity !== undefined) args.push("--cache-capacity", String(cacheCapacity));
  if (clusterId !== undefined) args.push("--cluster-id", String(clusterId));
  for (const s of shards ?? []) args.push("--shard", String(s));
  args.push(...extraArgs);

  // stdin is a pipe kept open: if this (test) process dies, the stand-in sees
  // EOF and exits (--exit-with-stdin), so no stray relay nodes survive.
  const child = spawn(node, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-20000);
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));

  let stdout = "";
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stand-in not ready after ${readyTimeoutMs} ms\n${stderr}`)), readyTimeoutMs);
    child.stdout.on("data", (d) => {
      stdout += d;
      const m = /^standin ready rest=(\S+) relay=(\S+)$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ restUrl: m[1], relayAddr: m[2] });
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`stand-in exited before ready (code ${code}, signal ${signal})\n${stderr}`));
    });
  }).catch((e) => {
    child.kill("SIGKILL");
    throw e;
  });

  let stopped;
  return {
    ...ready,
    pid: child.pid,
    exited,
    stderr: () => stderr,
    // SIGTERM, then SIGKILL after killAfterMs; resolves to {code, signal}.
    stop({ killAfterMs = 5000 } = {}) {
      if (!stopped) {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        stopped = exited.finally(() => clearTimeout(t));
      }
      return stopped;
    },
  };
}

export async function meshState(standin, topic = DEFAULT_PUBSUB_TOPIC) {
  const r = await fetch(`${standin.restUrl}/standin/v1/mesh?topic=${encodeURIComponent(topic)}`);
  if (!r.ok) throw new Error(`mesh query: HTTP ${r.status}`);
  return (await r.json()).topics[topic];
}

// Waits until every stand-in has at least `minPeers` gossipsub mesh peers on `topic`.
export async function waitForMesh(standins, { topic = DEFAULT_PUBSUB_TOPIC, minPeers = 1, timeoutMs = 20000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(standins.map((s) => meshState(s, topic)));
    if (states.every((st) => st && st.mesh >= minPeers)) return states;
    if (Date.now() > deadline) throw new Error(`no relay mesh on ${topic} after ${timeoutMs} ms: ${JSON.stringify(states)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Starts A, then B dialing A, and waits for the mesh on `topic`.
export async function startMeshedPair({ topic = DEFAULT_PUBSUB_TOPIC, ...opts } = {}) {
  const a = await startStandin(opts);
  let b;
  try {
    b = await startStandin({ ...opts, peers: [a.relayAddr] });
    await waitForMesh([a, b], { topic });
    return [a, b];
  } catch (e) {
    await Promise.all([a.stop(), b?.stop()]);
    throw e;
  }
}
