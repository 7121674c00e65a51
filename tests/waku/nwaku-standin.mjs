#!/usr/bin/env node
// nwaku relay-REST stand-in: a REAL js-waku relay node (gossipsub,
// /vac/waku/relay/2.0.0) on loopback, fronted by nwaku's relay REST API.
// Test fixture only; see README.md for what it implements and how it differs.
//
//   node nwaku-standin.mjs --rest-port 0 [--peer <multiaddr>]... [--cache-capacity 50]
//        [--cluster-id 66] [--shard 0]... [--num-shards-in-network 1]
//        [--max-msg-size 150KiB] [--tcp-port 0] [--nodekey HEX] [--exit-with-stdin]
//        [--nwaku-version v0.36.0] [--init-delay-ms 0]
//
// When ready it prints exactly one line on stdout:
//   standin ready rest=http://127.0.0.1:<port> relay=/ip4/127.0.0.1/tcp/<port>/p2p/<peer id>
// Everything else goes to stderr. SIGTERM/SIGINT stop it (exit 0).

import "./lib/polyfill.mjs";
import { createHash } from "node:crypto";
import http from "node:http";
import { parseArgs } from "node:util";
import { yamux } from "@chainsafe/libp2p-yamux";
import { Secp256k1PrivateKey } from "@libp2p/crypto/keys";
import { createFromPrivKey } from "@libp2p/peer-id-factory";
import { tcp } from "@libp2p/tcp";
import { createRelayNode } from "@waku/sdk/relay";
import { MessageCache } from "./lib/message-cache.mjs";
import { createRelayRest } from "./lib/relay-rest.mjs";
import { decodeWakuMessage, encodeWakuMessage } from "./lib/waku-message.mjs";

// stdout carries only the ready line; libraries' console chatter goes to stderr.
const log = (...a) => console.error("[standin]", ...a);
console.log = console.info = console.debug = console.error;

const USAGE = `usage: nwaku-standin.mjs [--rest-port N] [--rest-address A] [--peer MULTIADDR]...
  [--cache-capacity N] [--cluster-id N] [--shard N]... [--num-shards-in-network N]
  [--max-msg-size SIZE] [--tcp-port N] [--nodekey HEX64] [--exit-with-stdin]
  [--nwaku-version vX.Y.Z] [--init-delay-ms N]`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      "rest-port": { type: "string", default: "8645" },
      "rest-address": { type: "string", default: "127.0.0.1" },
      "tcp-port": { type: "string", default: "0" },
      peer: { type: "string", multiple: true, default: [] },
      staticnode: { type: "string", multiple: true, default: [] }, // nwaku's name for it
      "cache-capacity": { type: "string" },
      "rest-relay-cache-capacity": { type: "string" }, // nwaku's name for it
      "cluster-id": { type: "string", default: "66" },
      shard: { type: "string", multiple: true },
      "num-shards-in-network": { type: "string", default: "1" },
      "max-msg-size": { type: "string", default: "150KiB" },
      nodekey: { type: "string" }, // secp256k1 private key, 64 hex chars (as nwaku)
      "exit-with-stdin": { type: "boolean", default: false },
      // Not nwaku's flags: which nwaku to behave as, and how long its start-up lasts.
      "nwaku-version": { type: "string", default: "v0.36.0" },
      "init-delay-ms": { type: "string", default: "0" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.error(USAGE);
    process.exit(0);
  }
  const int = (name, v, min, max) => {
    const n = Number(v);
    if (!/^[0-9]+$/.test(String(v)) || n < min || n > max) throw new Error(`--${name}: expected an integer in [${min}, ${max}], got ${v}`);
    return n;
  };
  const numShards = int("num-shards-in-network", values["num-shards-in-network"], 0, 1023);
  // nwaku: with autosharding (num-shards-in-network > 0) it subscribes to all
  // shards by default; with static sharding to none unless --shard is given.
  const shards = (values.shard ?? [...Array(numShards).keys()].map(String)).map((s) => int("shard", s, 0, 65535));
  const size = /^([0-9]+(?:\.[0-9]+)?)\s*(b|kib|kb|mib|mb)?$/i.exec(values["max-msg-size"]);
  if (!size) throw new Error(`--max-msg-size: bad size ${values["max-msg-size"]}`);
  const unit = { b: 1, kib: 1024, kb: 1000, mib: 1024 * 1024, mb: 1000 * 1000 }[(size[2] ?? "b").toLowerCase()];
  if (values.nodekey !== undefined && !/^(0x)?[0-9a-fA-F]{64}$/.test(values.nodekey))
    throw new Error("--nodekey: expected a secp256k1 private key as 64 hex characters");
  return {
    nodekey: values.nodekey?.replace(/^0x/, ""),
    restPort: int("rest-port", values["rest-port"], 0, 65535),
    restAddress: values["rest-address"],
    tcpPort: int("tcp-port", values["tcp-port"], 0, 65535),
    peers: [...values.peer, ...values.staticnode],
    cacheCapacity: int("cache-capacity", values["cache-capacity"] ?? values["rest-relay-cache-capacity"] ?? "50", 1, 1e9),
    clusterId: int("cluster-id", values["cluster-id"], 0, 65535),
    shards: [...new Set(shards)],
    numShards,
    maxMessageSize: Math.floor(Number(size[1]) * unit),
    exitWithStdin: values["exit-with-stdin"],
    version: values["nwaku-version"],
    initDelayMs: int("init-delay-ms", values["init-delay-ms"], 0, 600000),
  };
}

// 51/WAKU2-RELAY-SHARDING autosharding, generation 0, as nwaku computes it.
function shardOf(contentTopic, clusterId, numShards) {
  if (!contentTopic.startsWith("/")) throw new Error(`content-topic '${contentTopic}' must start with slash`);
  const parts = contentTopic.slice(1).split("/");
  if (parts.length !== 4 && parts.length !== 5)
    throw new Error(
      "Invalid content topic structure. Expected either /<application>/<version>/<topic-name>/<encoding> or /<gen>/<application>/<version>/<topic-name>/<encoding>",
    );
  if (parts.some((p) => p.length === 0)) throw new Error("missing part in content topic");
  if (parts.length === 5 && !/^[+-]?[0-9]+$/.test(parts[0])) throw new Error("generation should be a numeric value");
  if (parts.length === 5 && Number(parts[0]) !== 0) throw new Error("Generation > 0 are not supported yet");
  const [app, version] = parts.length === 5 ? parts.slice(1, 3) : parts.slice(0, 2);
  const hash = createHash("sha256").update(app + version, "utf8").digest();
  const shard = hash.readBigUInt64BE(24) % BigInt(numShards);
  return `/waku/2/rs/${clusterId}/${shard}`;
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  const configuredTopics = opts.shards.map((s) => `/waku/2/rs/${opts.clusterId}/${s}`);

  const waku = await createRelayNode({
    // js-waku needs at least one shard; topics not configured are dropped below.
    networkConfig: { clusterId: opts.clusterId, shards: opts.shards.length ? opts.shards : [0] },
    defaultBootstrap: false, // never dial DNS/bootstrap peers: loopback only
    // gossipsub options (js-waku passes them through):
    allowPublishToZeroTopicPeers: true, // nwaku publishes with no peers without error
    ignoreDuplicatePublishError: true,
    libp2p: {
      // A fixed --nodekey gives a fixed peer id (so a restarted stand-in keeps its multiaddr).
      ...(opts.nodekey && { peerId: await createFromPrivKey(new Secp256k1PrivateKey(Buffer.from(opts.nodekey, "hex"))) }),
      hideWebSocketInfo: true,
      addresses: { listen: [`/ip4/127.0.0.1/tcp/${opts.tcpPort}`] },
      transports: [tcp()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
    },
  });
  await waku.start();
  const libp2p = waku.libp2p;
  const gs = waku.relay.gossipSub;
  const loopback = libp2p.getMultiaddrs().map(String).find((a) => a.startsWith("/ip4/127.0.0.1/tcp/"));
  if (!loopback) throw new Error("relay node is not listening on 127.0.0.1");
  const relayAddr = loopback.includes("/p2p/") ? loopback : `${loopback}/p2p/${libp2p.peerId}`;

  // Relay-level subscriptions (nwaku: wakuRelay.subscribedTopics()).
  const relayTopics = new Set(configuredTopics);
  for (const t of gs.getTopics()) if (!relayTopics.has(t)) gs.unsubscribe(t);

  // nwaku's REST builder subscribes its cache to the configured shards at start.
  const cache = new MessageCache(opts.cacheCapacity);
  for (const t of configuredTopics) cache.pubsubSubscribe(t);
  const relay = {
    autoSharding: opts.numShards > 0,
    isSubscribed: (t) => relayTopics.has(t),
    subscribe(t) {
      relayTopics.add(t);
      if (!gs.topicValidators.has(t)) gs.topicValidators.set(t, validator);
      if (!gs.getTopics().includes(t)) gs.subscribe(t);
    },
    unsubscribe(t) {
      relayTopics.delete(t);
      gs.unsubscribe(t);
    },
    async publish(t, msg) {
      const data = encodeWakuMessage(msg);
      // nwaku's relay runs with triggerSelf: own messages reach own subscribers.
      if (relayTopics.has(t)) deliver(t, data);
      await gs.publish(t, data);
    },
    shardOf: (ct) => shardOf(ct, opts.clusterId, opts.numShards),
    health() {
      const peers = gs.getPeers().length;
      return {
        nodeHealth: "READY",
        protocolsHealth: [peers > 0 ? { Relay: "READY" } : { Relay: "NOT_READY", desc: "No connected peers" }],
      };
    },
    info: () => ({ listenAddresses: [relayAddr] }),
    mesh(topic) {
      const topics = topic ? [topic] : [...relayTopics];
      return {
        note: "stand-in only, not part of nwaku's API",
        peerId: libp2p.peerId.toString(),
        connections: libp2p.getConnections().length,
        cachedMessages: cache.size,
        topics: Object.fromEntries(
          topics.map((t) => [t, { subscribed: relayTopics.has(t), mesh: gs.getMeshPeers(t).length, subscribers: gs.getSubscribers(t).length }]),
        ),
      };
    },
  };
  const rest = createRelayRest({
    relay,
    cache,
    maxMessageSize: opts.maxMessageSize,
    version: opts.version,
    initialisedAt: Date.now() + opts.initDelayMs,
    log,
  });

  function deliver(topic, data) {
    // nwaku's relay refuses what exceeds --max-msg-size on receive as on publish.
    if (data.length > opts.maxMessageSize) {
      log(`dropping a ${data.length}-byte message on ${topic}: over --max-msg-size`);
      return;
    }
    let msg;
    try {
      msg = decodeWakuMessage(data);
    } catch (e) {
      log(`dropping undecodable message on ${topic}: ${e.message}`);
      return;
    }
    rest.onMessage(topic, msg);
  }
  function validator(_peer, message) {
    try {
      if (message.data.length > opts.maxMessageSize) return "reject";
      const m = decodeWakuMessage(message.data);
      return m.payload.length && m.contentTopic.length ? "accept" : "reject";
    } catch {
      return "reject";
    }
  }
  gs.addEventListener("gossipsub:message", (e) => {
    const { topic, data } = e.detail.msg;
    if (relayTopics.has(topic)) deliver(topic, data);
  });

  // Static peers (nwaku: --staticnode): dial now, and redial whenever the
  // connection is lost (e.g. the peer's process was restarted).
  const connected = (addr) => {
    const id = addr.split("/p2p/").pop();
    return libp2p.getConnections().some((c) => c.remotePeer.toString() === id);
  };
  const redialing = new Set();
  const redial = setInterval(() => {
    for (const addr of opts.peers) {
      if (redialing.has(addr) || connected(addr)) continue;
      redialing.add(addr);
      waku
        .dial(addr)
        .then(() => log(`reconnected to ${addr}`))
        .catch(() => {})
        .finally(() => redialing.delete(addr));
    }
  }, 2000);
  for (const addr of opts.peers) {
    let lastErr;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await waku.dial(addr);
        lastErr = undefined;
        break;
      } catch (e) {
        lastErr = e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    if (lastErr) log(`could not dial ${addr}: ${lastErr.message} (continuing, as nwaku does)`);
  }

  const server = http.createServer((req, res) => {
    rest.handle(req, res).catch((e) => {
      log("request failed:", e);
      res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.restPort, opts.restAddress, resolve);
  });
  const { port } = server.address();

  let stopping = false;
  const stop = async (why) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    setTimeout(() => process.exit(0), 3000).unref();
    clearInterval(redial);
    server.close();
    server.closeAllConnections?.();
    try {
      await waku.stop();
    } catch (e) {
      log("stop:", e.message);
    }
    process.exit(0);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  if (opts.exitWithStdin) {
    process.stdin.on("end", () => stop("stdin closed"));
    process.stdin.on("error", () => stop("stdin error"));
    process.stdin.resume();
  }

  process.stdout.write(`standin ready rest=http://${opts.restAddress}:${port} relay=${relayAddr}\n`);
}

// A stray background error in libp2p must not kill the fixture mid-test.
process.on("unhandledRejection", (e) => log("unhandled rejection:", e?.stack ?? e));

main().catch((e) => {
  console.error("standin failed:", e?.stack ?? e);
  process.exit(1);
});
