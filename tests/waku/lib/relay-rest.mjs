// HTTP routes of nwaku's relay REST API (waku/rest_api/endpoint/relay/handlers.nim),
// plus /health and /debug/v1/info, over an abstract `relay`:
//
//   relay.isSubscribed(pubsubTopic) -> bool      (nwaku: wakuRelay.subscribedTopics)
//   relay.subscribe(pubsubTopic)                 (messages then reach onMessage)
//   relay.unsubscribe(pubsubTopic)
//   relay.publish(pubsubTopic, msg) -> Promise   (also delivers to own subscribers)
//   relay.autoSharding -> bool
//   relay.shardOf(contentTopic) -> pubsub topic  (throws Error(text) if impossible)
//   relay.health() / relay.info() / relay.mesh(topic) -> plain objects
//
// The stand-in's own, NOT-nwaku route is GET /standin/v1/mesh.

import { parseJson, stringifyJson } from "./json.mjs";
import { encodeWakuMessage, messageFromRestJson, messageToRestJson } from "./waku-message.mjs";

const PUBLISH_TIMEOUT_MS = 5000; // nwaku futTimeout

class HttpError extends Error {
  constructor(status, text = "") {
    super(text);
    this.status = status;
  }
}
const badRequest = (t) => new HttpError(400, t);

function parseStaticShard(topic) {
  // RelayShard.parseStaticSharding: /waku/2/rs/<uint16>/<uint16>
  const m = /^\/waku\/2\/rs\/([0-9]+)\/([0-9]+)$/.exec(topic);
  return m && Number(m[1]) <= 65535 && Number(m[2]) <= 65535;
}

// nwaku's decodeRequestBody: Content-Type must be JSON or text, body JSON.
function decodeBody(req, body) {
  if (body.length === 0) throw badRequest("Missing content body");
  const media = (req.headers["content-type"] || "").split(";")[0].trim().toLowerCase();
  if (media !== "application/json" && media !== "text/plain")
    throw badRequest("Wrong Content-Type, expected application/json or text/plain");
  try {
    return parseJson(body.toString("utf8"));
  } catch (e) {
    throw badRequest("Invalid content body, could not decode: Unable to deserialize data");
  }
}

function decodeTopicArray(req, body) {
  const v = decodeBody(req, body);
  if (!Array.isArray(v) || v.some((t) => typeof t !== "string"))
    throw badRequest("Invalid content body, could not decode: Unable to deserialize data");
  return v;
}

function decodeMessage(req, body, acceptEphemeral) {
  const v = decodeBody(req, body);
  try {
    return messageFromRestJson(v, { acceptEphemeral });
  } catch (e) {
    if (e.stage === "decode") throw badRequest("Invalid content body, could not decode: Unable to deserialize data");
    throw badRequest(e.message);
  }
}

function pathParam(raw) {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest();
  }
}

// nwaku's answers for paths no route matches (builder.nim's requestErrorHandler): under a
// root nwaku knows, 404 with that root's text (which says "while initializing" until the
// protocols are installed, and keeps saying it afterwards); under any other root, 400.
const KNOWN_ROOTS = ["admin", "debug", "relay", "filter", "lightpush", "store"];
const initialisingText = (root) => `/${root} endpoints are not available while initializing.`;

function unknownRoute(pathname) {
  const root = pathname.split("/")[1] ?? "";
  if (KNOWN_ROOTS.includes(root)) return new HttpError(404, initialisingText(root));
  return badRequest("Bad request initiated. Invalid path or method used.");
}

// nwaku's version string decides whether `ephemeral` is a known message field (v0.27.0+).
function versionAtLeast(version, major, minor) {
  const m = /^v(\d+)\.(\d+)/.exec(version);
  return !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}

export function createRelayRest({ relay, cache, maxMessageSize, version = "v0.36.0", initialisedAt = 0, log = () => {} }) {
  const acceptEphemeral = versionAtLeast(version, 0, 27);
  const initialising = () => Date.now() < initialisedAt;
  // Incoming relay traffic on subscribed topics lands in the cache
  // (nwaku: messageCacheHandler).
  const onMessage = (pubsubTopic, msg) => cache.addMessage(pubsubTopic, msg);

  async function publish(pubsubTopic, msg) {
    const size = encodeWakuMessage(msg).length;
    if (size > maxMessageSize)
      throw badRequest(`Failed to publish: Message size exceeded maximum of ${maxMessageSize} bytes`);
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve("timeout"), PUBLISH_TIMEOUT_MS)));
    // nwaku ignores the relay publish outcome (e.g. no peers): only a timeout is an error.
    const done = relay.publish(pubsubTopic, msg).then(
      () => "ok",
      (e) => (log(`publish on ${pubsubTopic}: ${e?.message ?? e} (ignored, as nwaku does)`), "ok"),
    );
    const r = await Promise.race([done, timeout]);
    clearTimeout(timer);
    if (r === "timeout") throw new HttpError(500, "Failed to publish: timedout");
  }

  const json = (v) => ({ status: 200, type: "application/json", body: stringifyJson(v) });
  const ok = () => ({ status: 200, type: "text/plain", body: "OK" });

  async function route(req, body) {
    const { pathname } = new URL(req.url, "http://localhost");
    const method = req.method;
    let m;

    if (method === "OPTIONS" && /^\/relay\/v1\/(auto\/)?(subscriptions|messages(\/[^/]+)?)$/.test(pathname)) return ok();

    if (pathname === "/health" && method === "GET")
      return json(initialising() ? { nodeHealth: "INITIALIZING", protocolsHealth: [] } : relay.health());
    // Until nwaku has installed its protocols' routes, only /health answers.
    if (initialising() && pathname !== "/standin/v1/mesh") throw unknownRoute(pathname);
    if (pathname === "/debug/v1/info" && method === "GET") return json(relay.info());
    if (pathname === "/debug/v1/version" && method === "GET") return { status: 200, type: "text/plain", body: version };
    if (pathname === "/standin/v1/mesh" && method === "GET") {
      const topic = new URL(req.url, "http://localhost").searchParams.get("topic");
      return json(relay.mesh(topic));
    }

    if (pathname === "/relay/v1/subscriptions" && (method === "POST" || method === "DELETE")) {
      const topics = decodeTopicArray(req, body);
      const bad = topics.filter((t) => !parseStaticShard(t));
      if (bad.length) throw badRequest(`Invalid pubsub topic(s): @[${bad.map((t) => JSON.stringify(t)).join(", ")}]`);
      if (method === "POST") {
        for (const t of topics.filter((t) => !cache.isPubsubSubscribed(t))) {
          cache.pubsubSubscribe(t);
          if (!relay.isSubscribed(t)) relay.subscribe(t);
        }
      } else {
        for (const t of topics) {
          cache.pubsubUnsubscribe(t);
          if (relay.isSubscribed(t)) relay.unsubscribe(t);
        }
      }
      return ok();
    }

    if ((m = /^\/relay\/v1\/messages\/([^/]+)$/.exec(pathname))) {
      const topic = pathParam(m[1]);
      if (method === "GET") {
        const msgs = cache.getMessages(topic, true);
        if (msgs === null) throw new HttpError(404);
        return json(msgs.map(messageToRestJson));
      }
      if (method === "POST") {
        if (!relay.isSubscribed(topic)) throw badRequest(`Failed to publish: Node not subscribed to topic: ${topic}`);
        const msg = decodeMessage(req, body, acceptEphemeral);
        await publish(topic, msg);
        return ok();
      }
    }

    // ---- autosharding ----
    if (pathname === "/relay/v1/auto/subscriptions" && (method === "POST" || method === "DELETE")) {
      const topics = decodeTopicArray(req, body);
      const shardFor = (ct) => {
        if (!relay.autoSharding)
          throw new Error("Static sharding is used, relay subscriptions must specify a pubsub topic");
        try {
          return relay.shardOf(ct);
        } catch (e) {
          throw new Error("Autosharding error: " + e.message);
        }
      };
      if (method === "POST") {
        for (const ct of topics.filter((t) => !cache.isContentSubscribed(t))) {
          cache.contentSubscribe(ct);
          let shard;
          try {
            shard = shardFor(ct);
          } catch (e) {
            throw new HttpError(500, "Subscribe failed:" + e.message);
          }
          if (!relay.isSubscribed(shard)) relay.subscribe(shard);
        }
      } else {
        for (const ct of topics) {
          cache.contentUnsubscribe(ct);
          let shard;
          try {
            shard = shardFor(ct);
          } catch (e) {
            throw new HttpError(500, "Unsubscribe failed:" + e.message);
          }
          if (relay.isSubscribed(shard)) relay.unsubscribe(shard);
        }
      }
      return ok();
    }

    if ((m = /^\/relay\/v1\/auto\/messages\/([^/]+)$/.exec(pathname)) && method === "GET") {
      const ct = pathParam(m[1]);
      const msgs = cache.getAutoMessages(ct, true);
      if (msgs === null) throw new HttpError(404, ct);
      return json(msgs.map(messageToRestJson));
    }

    if (pathname === "/relay/v1/auto/messages" && method === "POST") {
      const msg = decodeMessage(req, body, acceptEphemeral);
      if (!relay.autoSharding) throw badRequest("Failed to publish. Autosharding is disabled");
      let shard;
      try {
        shard = relay.shardOf(msg.contentTopic);
      } catch (e) {
        throw badRequest("Failed to publish. Autosharding error: " + e.message);
      }
      await publish(shard, msg);
      return ok();
    }

    throw unknownRoute(pathname);
  }

  async function handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    let r;
    try {
      r = await route(req, Buffer.concat(chunks));
    } catch (e) {
      if (!(e instanceof HttpError)) {
        log(`internal error on ${req.method} ${req.url}: ${e?.stack ?? e}`);
        e = new HttpError(500, String(e?.message ?? e));
      }
      r = { status: e.status, type: "text/plain", body: e.message };
    }
    res.writeHead(r.status, { "Content-Type": r.type, "Content-Length": Buffer.byteLength(r.body) });
    res.end(r.body);
  }

  return { handle, onMessage };
}
