// Federation trust under attack: two real daemons (A, B) federated over a real js-waku relay (one
// nwaku stand-in each), and a rogue publisher on the same relay mesh and pubsub topic (its own
// stand-in, peered with A's) that seals envelopes with js-waku's @waku/message-encryption. Each
// attack of issue #12 is tried and must be refused and counted, while real cross-server handshakes
// keep completing. Then interop at the daemon level: a key the test holds (T, in the trust list)
// speaks to A through js-waku, and js-waku reads and verifies what A sends T.
// Run from the repository root: node --test tests/waku/   (needs WEBRTC_STAR_SERVER_BIN)

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, chownSync, copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { startStandin, waitForMesh } from './lib/standin.mjs'
import { makeFederation } from './lib/federation-keys.mjs'
import { newKey, presence, signal, publish, publishRaw, receive, open, sealBytes, SIGNAL_TOPIC, PRESENCE_TOPIC } from './lib/federation-envelopes.mjs'
import { startDaemon, stopAllDaemons, httpGet, getMetrics, metricSum } from '../blackbox/lib/daemon.mjs'
import { readyz, metric } from '../lib/index.mjs'
import { joinPeer, joinAddr, peerId, offer, answerTo, closeAllClients, eventually, sleep } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 60000 }
const MAX_PEERS_PER_SERVER = 50
const FEDERATION_ARGS = ['--backend', 'waku', '--waku-poll-interval', '50ms', '--federation-presence-interval', '500ms',
  '--federation-peer-ttl', '3s', '--federation-max-peers-per-server', String(MAX_PEERS_PER_SERVER)]

const refused = (d, reason) => metric(d, 'webrtc_star_server_federation_refused_total', reason)
// Waits until A counted `n` more refusals for `reason` than `before`.
async function refusedAtLeast (d, reason, before, n = 1) {
  await eventually(async () => await refused(d, reason) >= before + n,
    { timeoutMs: 8000, what: `${n} more refusals for ${reason}` })
}

// Sends SIGHUP and waits until the daemon has read its trust list again (its log says so either way):
// /readyz alone cannot tell a reload that has not happened yet from one that succeeded.
async function sighup (d) {
  const reads = () => ((d.stderr + d.stdout).match(/SIGHUP: trust list (reloaded|not reloaded)/g) ?? []).length
  const before = reads()
  d.process.kill('SIGHUP')
  await eventually(async () => reads() > before, { timeoutMs: 5000, what: 'the trust list read again' })
}

// A real handshake from `a` (on A) to `b` (on B) and back; `b` answers as a callee would.
async function handshake (a, b, toB) {
  const off = offer(a, toB)
  a.socket.emit('ss-handshake', off)
  const got = await b.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 5000)
  b.socket.emit('ss-handshake', answerTo(got))
  return a.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId && h.answer, 5000)
}

describe('federation trust: a rogue publisher on the relay', () => {
  let standinA, standinB, standinR, A, B, fed
  const rogue = newKey()      // on the relay, in no trust list
  const trusted = newKey()    // the test's own trusted server T
  let a, b, toB

  before(async () => {
    standinA = await startStandin()
    standinB = await startStandin({ peers: [standinA.relayAddr] })
    standinR = await startStandin({ peers: [standinA.relayAddr] })
    await waitForMesh([standinA, standinB, standinR])
    fed = await makeFederation(['a', 'b'], { extraTrusted: [[trusted.id, 'the test']] })
    A = await startDaemon([...FEDERATION_ARGS, ...fed.args('a'), '--waku-rest-url', standinA.restUrl])
    B = await startDaemon([...FEDERATION_ARGS, ...fed.args('b'), '--waku-rest-url', standinB.restUrl])
    await eventually(async () => (await readyz(A)).status === 200 &&
      (await readyz(B)).status === 200, { timeoutMs: 15000, what: 'both servers ready' })
    await receive(standinR)  // the rogue's node caches what crosses the relay from now on
    a = await joinPeer(A)
    b = await joinPeer(B)
    toB = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(b.id), 8000)
    await handshake(a, b, toB)
  })

  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await Promise.all([standinA, standinB, standinR].map((s) => s?.stop()))
    fed?.cleanup()
  })

  afterEach(async () => {
    // After every attack, real cross-server handshakes still complete.
    const ans = await handshake(a, b, toB)
    assert.equal(ans.answer, true)
  })

  it('shows its public key on the status page', TIMEOUT, async () => {
    const page = await httpGet(`${A.url}/`)
    assert.ok(page.body.includes(fed.publicKey('a')), 'the status page names A\'s public key')
    assert.match(A.stderr + A.stdout, new RegExp(fed.publicKey('a')))
  })

  it('fake presence from an unknown key is refused and counted; no one hears of its peers', TIMEOUT, async () => {
    const before = await refused(A, 'unknown_key')
    const fake = peerId()
    await publish(standinR, presence(rogue, 'join', [fake]), { signer: rogue })
    await refusedAtLeast(A, 'unknown_key', before)
    await a.rec.expectNone('ws-peer', (ma) => ma.endsWith(fake), 500)
  })

  it("takeover of a remote peer id: refused for outsiders, a conflict for a trusted server; offers still reach the holder", TIMEOUT, async () => {
    const beforeUnknown = await refused(A, 'unknown_key')
    // As itself, and forging B's id: either way the signer is not trusted.
    await publish(standinR, presence(rogue, 'presence', [b.id]), { signer: rogue })
    await publish(standinR, { ...presence(rogue, 'presence', [b.id]), from: fed.publicKey('b') }, { signer: rogue })
    await refusedAtLeast(A, 'unknown_key', beforeUnknown, 2)
    const beforeConflict = await refused(A, 'conflict')
    await publish(standinR, presence(trusted, 'presence', [b.id]), { signer: trusted })
    await refusedAtLeast(A, 'conflict', beforeConflict)
    // The afterEach handshake proves the offer still goes to B, and the answer comes back.
  })

  it("forged offers and answers under B's id are refused; the local peer sees nothing", TIMEOUT, async () => {
    const before = await refused(A, 'unknown_key')
    const fakeOffer = offer({ addr: joinAddr(B.port, b.id) }, a.addr)
    await publish(standinR, signal(rogue, fed.publicKey('a'), { src: b.id, dst: a.id, intent: fakeOffer.intentId, payload: fakeOffer }, { from: fed.publicKey('b') }),
      { signer: rogue, to: fed.publicKey('a') })
    const off = offer(a, toB)
    const fakeAnswer = answerTo(off)
    a.socket.emit('ss-handshake', off)
    await publish(standinR, signal(rogue, fed.publicKey('a'), { src: a.id, dst: b.id, intent: off.intentId, answer: true, payload: fakeAnswer }, { from: fed.publicKey('b') }),
      { signer: rogue, to: fed.publicKey('a') })
    await refusedAtLeast(A, 'unknown_key', before, 2)
    await a.rec.expectNone('ws-handshake', (h) => h.intentId === fakeOffer.intentId, 300)
    // The real answer to `off` is the one that arrives.
    const got = await b.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 5000)
    b.socket.emit('ss-handshake', answerTo(got, { signal: { type: 'answer', sdp: 'v=0\r\na=real\r\n' } }))
    const ans = await a.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId && h.answer, 5000)
    assert.equal(ans.signal.sdp, 'v=0\r\na=real\r\n')
  })

  it('replayed and stale envelopes are refused and counted', TIMEOUT, async () => {
    // A real envelope of B's, as the rogue's node received it, published again byte for byte.
    let captured
    await eventually(async () => {
      for (const m of (await receive(standinR)).filter((m) => m.contentTopic === PRESENCE_TOPIC))
        if ((await open(m))?.signer === fed.publicKey('b')) captured = m
      return captured
    }, { timeoutMs: 5000, what: 'a presence envelope on the relay' })
    const beforeReplayed = await refused(A, 'replayed')
    await publishRaw(standinR, captured.bytes)
    await refusedAtLeast(A, 'replayed', beforeReplayed)
    const beforeStale = await refused(A, 'stale')
    await publish(standinR, { ...presence(trusted, 'join', [peerId()]), ts: Date.now() - 5 * 60000 }, { signer: trusted })
    await refusedAtLeast(A, 'stale', beforeStale)
  })

  it("a flood of fake peers: an outsider's all refused, a trusted server's capped at its quota", TIMEOUT, async () => {
    const remoteBefore = await metric(A, 'webrtc_star_server_remote_peers')
    const before = await refused(A, 'unknown_key')
    for (let i = 0; i < 10; i++) await publish(standinR, presence(rogue, 'join', Array.from({ length: 200 }, () => peerId())), { signer: rogue })
    await refusedAtLeast(A, 'unknown_key', before, 10)
    assert.equal(await metric(A, 'webrtc_star_server_remote_peers'), remoteBefore)
    const beforeQuota = await refused(A, 'over_quota')
    await publish(standinR, presence(trusted, 'join', Array.from({ length: 2 * MAX_PEERS_PER_SERVER }, () => peerId())), { signer: trusted })
    await refusedAtLeast(A, 'over_quota', beforeQuota, MAX_PEERS_PER_SERVER)
    assert.ok(await metric(A, 'webrtc_star_server_remote_peers') <= remoteBefore + MAX_PEERS_PER_SERVER)
    // B's peers are still learned.
    const b2 = await joinPeer(B)
    await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(b2.id), 8000)
    // T never refreshes them: they expire, as a crashed server's would.
    await eventually(async () => await metric(A, 'webrtc_star_server_remote_peers') <= remoteBefore + 1,
      { timeoutMs: 10000, what: "T's peers expired" })
  })

  it('a flood of envelopes stamped a minute ahead by a trusted key is refused, and stales no honest envelope', TIMEOUT, async () => {
    // Issue #23: such a flood once filled the one replay cache all signers shared, and every honest
    // envelope was "stale" for a minute. Now the future is bounded (5 s) and each signer has its own memory.
    const before = await refused(A, 'stale')
    const n = 150
    for (let i = 0; i < n; i++)
      await publish(standinR, { ...presence(trusted, 'join', [peerId()]), ts: Date.now() + 60000 }, { signer: trusted })
    await refusedAtLeast(A, 'stale', before, n)
    // B's envelopes are still believed: its newcomer is heard of at once.
    const b2 = await joinPeer(B)
    await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(b2.id), 8000)
  })

  it("an outsider's envelope is refused for its key before any JSON is read", TIMEOUT, async () => {
    const beforeUnknown = await refused(A, 'unknown_key')
    const beforeBad = await refused(A, 'bad_envelope')
    const notJson = Buffer.from('{"v":2,"type":"join",not json')
    await publishRaw(standinR, await sealBytes(notJson, { signer: rogue }))
    await refusedAtLeast(A, 'unknown_key', beforeUnknown)
    assert.equal(await refused(A, 'bad_envelope'), beforeBad, 'had it been parsed, it would be bad_envelope')
    // The same bytes signed by a trusted key are read, and refused for what they are.
    await publishRaw(standinR, await sealBytes(notJson, { signer: trusted }))
    await refusedAtLeast(A, 'bad_envelope', beforeBad)
  })

  it('an "unavailable" from a server that does not hold the peer aborts no dial', TIMEOUT, async () => {
    const off = offer(a, toB)
    a.socket.emit('ss-handshake', off)
    const got = await b.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 5000)
    const dropped = () => metric(A, 'webrtc_star_server_messages_dropped_total', 'remote_spoofed')
    const before = await dropped()
    // T is trusted, but b is B's: T has no say in this dial.
    await publish(standinR, signal(trusted, fed.publicKey('a'), { src: a.id, dst: b.id, intent: off.intentId, payload: off, type: 'unavailable' }),
      { signer: trusted, to: fed.publicKey('a') })
    await eventually(async () => await dropped() > before, { timeoutMs: 8000, what: 'the unavailable dropped' })
    await a.rec.expectNone('ws-handshake', (h) => h.intentId === off.intentId && h.err, 300)
    b.socket.emit('ss-handshake', answerTo(got))
    await a.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId && h.answer, 5000)
  })

  it('a dial right after a key is revoked ends at once; nothing is sealed to that key', TIMEOUT, async () => {
    const good = readFileSync(fed.trustFile, 'utf8')
    try {
      const p = peerId()
      await publish(standinR, presence(trusted, 'join', [p]), { signer: trusted })
      const toP = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(p), 8000)
      const peersBefore = await metric(A, 'webrtc_star_server_remote_peers')
      writeFileSync(fed.trustFile, good.split('\n').filter((l) => !l.startsWith(trusted.id)).join('\n'))
      await sighup(A)
      // At once, not when their presence lapses (3 s here; 35 s by default).
      await eventually(async () => await metric(A, 'webrtc_star_server_remote_peers') < peersBefore,
        { timeoutMs: 1500, what: "T's peers forgotten" })
      await receive(standinR)
      const off = offer(a, toP)
      a.socket.emit('ss-handshake', off)
      const got = await a.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 1000)
      assert.equal(got.err, 'peer is not available')
      await sleep(500)
      for (const m of (await receive(standinR)).filter((m) => m.contentTopic === SIGNAL_TOPIC))
        assert.equal(await open(m, { privateKey: trusted.privateKey }), null, 'nothing sealed to the revoked key')
    } finally {
      writeFileSync(fed.trustFile, good)
      await sighup(A)
      await eventually(async () => (await httpGet(`${A.url}/readyz`)).status === 200, { timeoutMs: 5000, what: '/readyz 200' })
    }
  })

  it('a signal crossing the relay cannot be read by anyone but its destination, and is tagged for it alone', TIMEOUT, async () => {
    await receive(standinR)
    const off = offer(a, toB, { signal: { type: 'offer', sdp: 'v=0\r\na=candidate:secret-198.51.100.7\r\n' } })
    a.socket.emit('ss-handshake', off)
    await b.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 5000)
    let signals = []
    await eventually(async () => {
      signals.push(...(await receive(standinR)).filter((m) => m.contentTopic === SIGNAL_TOPIC))
      return signals.length > 0
    }, { timeoutMs: 5000, what: 'the signal on the relay' })
    for (const m of signals) {
      assert.equal(m.version, 1)
      assert.ok(!m.bytes.includes('secret-198.51.100.7'), 'the SDP is not in clear')
      assert.equal(await open(m, { privateKey: rogue.privateKey }), null, 'the rogue cannot decrypt it')
    }
    // Its recipient tag (meta) lets the other servers skip it; to the relay it is 16 random bytes.
    assert.ok(signals.every((m) => m.meta?.length === 16), 'a 16-byte recipient tag in meta')
    assert.equal(new Set(signals.map((m) => m.meta.toString('hex'))).size, signals.length, 'no two alike: it links nothing')
  })

  it('a version 1 envelope (clear JSON, Waku message version 0) is refused as old_version', TIMEOUT, async () => {
    const before = await refused(A, 'old_version')
    const v1 = { v: 1, type: 'join', from: 'server-b', id: 'v1-1', ts: Date.now(), peers: [peerId()] }
    await publishRaw(standinR, Buffer.from(JSON.stringify(v1)), { version: 0 })
    await refusedAtLeast(A, 'old_version', before)
  })

  it('an outsider announcing an id first cannot make its local join be refused', TIMEOUT, async () => {
    const id = peerId()
    const before = await refused(A, 'unknown_key')
    await publish(standinR, presence(rogue, 'join', [id]), { signer: rogue })
    await publish(standinR, { ...presence(rogue, 'join', [id]), from: fed.publicKey('b') }, { signer: rogue })
    await refusedAtLeast(A, 'unknown_key', before, 2)
    await joinPeer(A, 'v4', { id })  // throws if refused
  })

  it('SIGHUP reloads the trust list; a bad file keeps the old one and /readyz names the problem', TIMEOUT, async () => {
    const good = readFileSync(fed.trustFile, 'utf8')
    try {
      writeFileSync(fed.trustFile, 'not-a-key here\n')
      await sighup(A)
      await eventually(async () => (await httpGet(`${A.url}/readyz`)).status === 503, { timeoutMs: 5000, what: '/readyz 503' })
      assert.match((await httpGet(`${A.url}/readyz`)).body, /trust list not reloaded.*not a public key/)
      // The old list is still in force: T is still trusted.
      const p = peerId()
      await publish(standinR, presence(trusted, 'join', [p]), { signer: trusted })
      await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(p), 8000)
      // T's key removed (a rotation's last step): its envelopes are refused from now on.
      writeFileSync(fed.trustFile, good.split('\n').filter((l) => !l.startsWith(trusted.id)).join('\n'))
      await sighup(A)
      await eventually(async () => (await httpGet(`${A.url}/readyz`)).status === 200, { timeoutMs: 5000, what: '/readyz 200' })
      const before = await refused(A, 'unknown_key')
      await publish(standinR, presence(trusted, 'join', [peerId()]), { signer: trusted })
      await refusedAtLeast(A, 'unknown_key', before)
    } finally {
      writeFileSync(fed.trustFile, good)
      await sighup(A)
      await eventually(async () => (await httpGet(`${A.url}/readyz`)).status === 200, { timeoutMs: 5000, what: '/readyz 200' })
    }
  })

  it('interop: a trusted key speaks to A through js-waku, and reads and verifies what A sends it', TIMEOUT, async () => {
    // T announces a peer with an envelope js-waku sealed: A's peer hears of it.
    const p = peerId()
    await publish(standinR, presence(trusted, 'join', [p]), { signer: trusted })
    const toP = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(p), 8000)
    // A's peer dials it: A seals the offer to T's key, and T reads it with js-waku.
    await receive(standinR)
    const off = offer(a, toP)
    a.socket.emit('ss-handshake', off)
    let opened
    await eventually(async () => {
      for (const m of (await receive(standinR)).filter((m) => m.contentTopic === SIGNAL_TOPIC)) {
        const o = await open(m, { privateKey: trusted.privateKey })
        if (o?.envelope.intent === off.intentId) opened = o
      }
      return opened
    }, { timeoutMs: 5000, what: "A's offer, decrypted by js-waku with T's key" })
    assert.equal(opened.signer, fed.publicKey('a'), "signed by A's key")
    assert.equal(opened.envelope.from, fed.publicKey('a'))
    assert.equal(opened.envelope.to, trusted.id)
    assert.deepEqual(opened.envelope.payload, off)
    // T answers with js-waku: A's peer gets the answer.
    const ans = answerTo(off)
    await publish(standinR, signal(trusted, fed.publicKey('a'), { src: a.id, dst: p, intent: off.intentId, answer: true, payload: ans }),
      { signer: trusted, to: fed.publicKey('a') })
    const got = await a.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId && h.answer, 5000)
    assert.deepEqual(got.signal, ans.signal)
  })
})

describe('federation trust at start', () => {
  let fed
  before(async () => { fed = await makeFederation(['a']) })
  after(() => fed?.cleanup())

  const refusesToStart = async (args, pattern) => {
    const d = await startDaemon(['--backend', 'waku', ...args]).catch((e) => e)
    // Either startDaemon saw it exit, or it is given a moment to.
    if (!(d instanceof Error)) {
      const exit = await d.waitExit(5000)
      assert.ok(exit && exit.code !== 0, 'it exits non-zero')
      assert.match(d.stderr, pattern)
    } else {
      assert.match(String(d.message), pattern)
    }
  }

  it('with --backend waku, no trust list and no --federation-open: refuses to start, saying what to do', TIMEOUT, async () => {
    await refusesToStart(['--federation-key-file', fed.keyFile('a')], /--federation-trusted-keys FILE.*--federation-open/)
  })

  it('an empty trust list or an unreadable one: refuses to start, naming the file', TIMEOUT, async () => {
    writeFileSync(fed.trustFile, '# nobody yet\n')
    await refusesToStart(['--federation-key-file', fed.keyFile('a'), '--federation-trusted-keys', fed.trustFile], /no public key/)
    await refusesToStart(['--federation-key-file', fed.keyFile('a'), '--federation-trusted-keys', `${fed.dir}/missing`], /cannot read trust list/)
  })

  it('a key file behind a symbolic link or owned by another user, or a trust list others may write: refuses to start', TIMEOUT, async () => {
    fed.writeTrust([[fed.publicKey('a'), 'a']])
    const link = `${fed.dir}/link.key`
    symlinkSync(fed.keyFile('a'), link)
    await refusesToStart(['--federation-key-file', link, '--federation-trusted-keys', fed.trustFile], /symbolic link/)
    chmodSync(fed.trustFile, 0o664)  // anyone in the group could add a key
    try {
      await refusesToStart(['--federation-key-file', fed.keyFile('a'), '--federation-trusted-keys', fed.trustFile], /written by group or others/)
    } finally {
      chmodSync(fed.trustFile, 0o644)
    }
    if (process.getuid?.() === 0) {  // root can give a copy of the key to someone else
      const theirs = `${fed.dir}/theirs.key`
      copyFileSync(fed.keyFile('a'), theirs)
      chmodSync(theirs, 0o600)
      chownSync(theirs, 65534, 65534)
      await refusesToStart(['--federation-key-file', theirs, '--federation-trusted-keys', fed.trustFile], /owned by uid 65534/)
    }
  })

  it('open mode starts, and says so loudly', TIMEOUT, async () => {
    const s = await startStandin()
    try {
      const d = await startDaemon(['--backend', 'waku', '--federation-key-file', fed.keyFile('a'), '--federation-open', '--waku-rest-url', s.restUrl])
      await eventually(async () => /OPEN MODE/.test(d.stderr + d.stdout), { timeoutMs: 5000, what: 'the open-mode warning' })
      await d.stop()
    } finally {
      await s.stop()
    }
  })
})

describe('federation trust across a restart', () => {
  let standinA, standinT, fed
  const t = newKey()  // a trusted server the test plays

  before(async () => {
    standinA = await startStandin()
    standinT = await startStandin({ peers: [standinA.relayAddr] })
    await waitForMesh([standinA, standinT])
    fed = await makeFederation(['a'], { extraTrusted: [[t.id, 'the test']] })
  })

  after(async () => {
    await stopAllDaemons()
    await Promise.all([standinA, standinT].map((s) => s?.stop()))
    fed?.cleanup()
  })

  const startA = async () => {
    const d = await startDaemon([...FEDERATION_ARGS, ...fed.args('a'), '--waku-rest-url', standinA.restUrl])
    await eventually(async () => (await httpGet(`${d.url}/readyz`)).status === 200, { timeoutMs: 15000, what: 'A ready' })
    return d
  }

  it('an envelope captured before a restart is not taken after it', TIMEOUT, async () => {
    let A = await startA()
    const captured = await publish(standinT, presence(t, 'join', [peerId()]), { signer: t })
    await eventually(async () => await metric(A, 'webrtc_star_server_remote_peers') === 1, { timeoutMs: 8000, what: 'the join believed' })
    // Past the 5 s skew a restart allows, well within the 60 s window the envelope is fresh in.
    await sleep(5500)
    await A.stop()
    A = await startA()
    const before = await refused(A, 'stale')
    await publishRaw(standinT, captured)
    await refusedAtLeast(A, 'stale', before)
    assert.equal(await metric(A, 'webrtc_star_server_remote_peers'), 0)
  })
})
