// The relay REST message cache, with the semantics of nwaku's MessageCache
// (waku/rest_api/message_cache.nim), re-implemented from its behaviour:
//
// - ONE store of at most `capacity` messages shared by all topics
//   (nwaku: --rest-relay-cache-capacity, default 50);
// - a message is kept if its pubsub topic OR its content topic is subscribed,
//   and is then indexed under both (which makes the other topic "subscribed"
//   too, as in nwaku);
// - adding is idempotent: a message equal in every field to a cached one is
//   dropped;
// - when full, the message with the smallest timestamp is evicted (not the
//   first inserted);
// - removals are swap-deletes (Nim's seq.del), so after evictions the order of
//   the messages a GET returns can differ from arrival order, as in nwaku.
//
// Messages are objects: {payload: Uint8Array, contentTopic: string,
// version: number, timestamp: bigint, meta: Uint8Array, ephemeral: boolean,
// proof: Uint8Array}.

const INT64_MAX = (1n << 63n) - 1n;

function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function messagesEqual(a, b) {
  return (
    a.contentTopic === b.contentTopic &&
    a.version === b.version &&
    a.timestamp === b.timestamp &&
    a.ephemeral === b.ephemeral &&
    bytesEqual(a.payload, b.payload) &&
    bytesEqual(a.meta, b.meta) &&
    bytesEqual(a.proof, b.proof)
  );
}

// Nim's seq.del(i): move the last element into slot i and shrink.
function swapDel(arr, i) {
  arr[i] = arr[arr.length - 1];
  arr.pop();
}

export class MessageCache {
  constructor(capacity = 50) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error("cache capacity must be an integer >= 1");
    this.capacity = capacity;
    this.pubsubTopics = [];
    this.contentTopics = [];
    this.pubsubIndex = []; // [pubsubIdx, msgIdx]
    this.contentIndex = []; // [contentIdx, msgIdx]
    this.messages = [];
  }

  isPubsubSubscribed(t) {
    return this.pubsubTopics.includes(t);
  }
  isContentSubscribed(t) {
    return this.contentTopics.includes(t);
  }
  pubsubSubscribe(t) {
    if (!this.isPubsubSubscribed(t)) this.pubsubTopics.push(t);
  }
  contentSubscribe(t) {
    if (!this.isContentSubscribed(t)) this.contentTopics.push(t);
  }

  #removeMessage(idx) {
    const lastIndex = this.messages.length - 1;
    swapDel(this.messages, idx);
    for (const index of [this.pubsubIndex, this.contentIndex]) {
      for (let j = index.length - 1; j >= 0; j--) {
        const [tId, mId] = index[j];
        if (mId === idx) swapDel(index, j);
        else if (mId === lastIndex) index[j] = [tId, idx];
      }
    }
  }

  // Shared by pubsubUnsubscribe / contentUnsubscribe: drop the topic, its
  // index entries, and the messages no longer indexed by the other kind.
  #unsubscribe(topics, index, otherIndex, topic) {
    const topicIdx = topics.indexOf(topic);
    if (topicIdx < 0) return;
    const lastIndex = topics.length - 1;
    swapDel(topics, topicIdx);
    const msgIndices = [];
    for (let j = index.length - 1; j >= 0; j--) {
      const [tId, mId] = index[j];
      if (tId === topicIdx) {
        swapDel(index, j);
        msgIndices.push(mId);
      } else if (tId === lastIndex) {
        index[j] = [topicIdx, mId];
      }
    }
    for (const mId of msgIndices.sort((a, b) => b - a)) {
      if (!otherIndex.some(([, m]) => m === mId)) this.#removeMessage(mId);
    }
  }
  pubsubUnsubscribe(t) {
    this.#unsubscribe(this.pubsubTopics, this.pubsubIndex, this.contentIndex, t);
  }
  contentUnsubscribe(t) {
    this.#unsubscribe(this.contentTopics, this.contentIndex, this.pubsubIndex, t);
  }

  addMessage(pubsubTopic, msg) {
    let oldestTime = INT64_MAX;
    let oldestRev = -1;
    for (let r = 0; r < this.messages.length; r++) {
      const m = this.messages[this.messages.length - 1 - r];
      if (messagesEqual(m, msg)) return false;
      if (m.timestamp < oldestTime) {
        oldestTime = m.timestamp;
        oldestRev = r;
      }
    }
    const oldestMsg = this.messages.length - 1 - oldestRev;

    let pIdx = this.pubsubTopics.indexOf(pubsubTopic);
    let cIdx = this.contentTopics.indexOf(msg.contentTopic);
    if (pIdx < 0 && cIdx < 0) return false;
    if (pIdx < 0) pIdx = this.pubsubTopics.push(pubsubTopic) - 1;
    if (cIdx < 0) cIdx = this.contentTopics.push(msg.contentTopic) - 1;

    if (this.messages.length >= this.capacity) this.#removeMessage(oldestMsg);

    const msgIdx = this.messages.length;
    this.messages.push(msg);
    this.pubsubIndex.push([pIdx, msgIdx]);
    this.contentIndex.push([cIdx, msgIdx]);
    return true;
  }

  #get(topics, index, topic, clear) {
    const topicIdx = topics.indexOf(topic);
    if (topicIdx < 0) return null; // not subscribed
    const msgIndices = index.filter(([tId]) => tId === topicIdx).map(([, mId]) => mId);
    const out = msgIndices.map((mId) => this.messages[mId]);
    // nwaku's pubsub variant clears in reverse index-list order, its content
    // variant in descending message-index order; descending is the one that
    // is always correct with swap-deletes, so both use it here.
    if (clear) for (const mId of [...msgIndices].sort((a, b) => b - a)) this.#removeMessage(mId);
    return out;
  }
  // Returns the messages (array) or null if the topic is not subscribed.
  getMessages(pubsubTopic, clear = false) {
    return this.#get(this.pubsubTopics, this.pubsubIndex, pubsubTopic, clear);
  }
  getAutoMessages(contentTopic, clear = false) {
    return this.#get(this.contentTopics, this.contentIndex, contentTopic, clear);
  }

  get size() {
    return this.messages.length;
  }
}
