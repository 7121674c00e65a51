// The Redis backend, black-box: three real daemons on one real redis-server (Debian's, started
// here on an ephemeral loopback port without persistence and stopped by its PID), driven by
// socket.io-client peers spread over the three.
//
// Run from the repository root: node --test tests/redis/   (needs WEBRTC_STAR_SERVER_BIN)

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startRedis, skipWithoutRedis } from './lib/redis.mjs'
import { redisDaemon, readyz, waitReady, metricOf } from './lib/cluster.mjs'
import { stopAllDaemons, httpGet, offerAndWait } from '../lib/index.mjs'
import { joinPeer, connect, joinWithAck, joinAddr, peerId, offer, answerTo, closeAllClients, eventually } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 60000 }
const skip = skipWithoutRedis()
const REMOTE_PEERS = 'webrtc_star_server_remote_peers'

/** from offers to the address `toAddr`; to answers; both arrive unchanged. */
async function handshake (from, to, toAddr) {
  const off = offer(from, toAddr)
  from.socket.emit('ss-handshake', off)
  const got = await to.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 5000)
  assert.deepEqual(got, off, 'the offer crosses unchanged')
  to.socket.emit('ss-handshake', answerTo(got))
  const ans = await from.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId && h.answer === true, 5000)
  assert.deepEqual(ans.signal, answerTo(got).signal)
}

describe('three servers on one Redis', { skip }, () => {
  let redis, A, B, C

  before(async () => {
    redis = await startRedis()
    A = await redisDaemon(redis, 'server-a')
    B = await redisDaemon(redis, 'server-b', { extraArgs: ['--transports', 'websocket'] })
    C = await redisDaemon(redis, 'server-c')
    await waitReady([A, B, C])
  })

  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await redis?.stop()
  })

  afterEach(() => closeAllClients())

  it('peers spread over the three discover each other and complete offer/answer across every pair', TIMEOUT, async () => {
    const a = await joinPeer(A, 'v4')
    const b = await joinPeer(B, 'v2', { prefix: 'dns4' })
    const c = await joinPeer(C, 'v3', { path: '/socket.io-next' })
    const seen = {}
    for (const [who, server, opts] of [[a, A, {}], [b, B, { prefix: 'dns4' }], [c, C, {}]]) {
      for (const other of [a, b, c].filter((p) => p !== who)) {
        const ma = await who.rec.waitFor('ws-peer', (m) => m.endsWith(other.id), 5000)
        assert.equal(ma, joinAddr(server.port, other.id, opts), 'announced under its own server\'s prefix')
        seen[`${who.id}>${other.id}`] = ma
      }
      assert.deepEqual(who.rec.all('ws-peer', (m) => m.endsWith(who.id)), [], 'nobody hears of itself')
    }
    for (const [from, to] of [[a, b], [b, c], [c, a], [b, a]]) await handshake(from, to, seen[`${from.id}>${to.id}`])
    assert.ok(await metricOf(A, 'webrtc_star_server_federation_signals_total') > 0)
    assert.ok(await metricOf(A, 'webrtc_star_server_federation_publish_latency_seconds_count') > 0)
  })

  it('an unknown peer gets a prompt "peer is not available"', TIMEOUT, async () => {
    const a = await joinPeer(A)
    const { got, ms } = await offerAndWait(a, joinAddr(A.port, peerId()))
    assert.equal(got.err, 'peer is not available')
    assert.ok(ms < 1000, `took ${ms} ms`)
  })

  it('a peer id held on A cannot be taken on B, nor answered for by a peer on C', TIMEOUT, async () => {
    const a = await joinPeer(A)
    const c = await joinPeer(C)
    await c.rec.waitFor('ws-peer', (ma) => ma.endsWith(a.id), 5000)
    const { socket: thief } = await connect('v4', B.url)
    await eventually(async () => (await metricOf(B, REMOTE_PEERS)) >= 1, { what: 'B knows A\'s peer' })
    const err = await joinWithAck(thief, joinAddr(B.port, a.id))
    assert.match(String(err), /already joined on server server-a/)
    // C's peer answers, in a's name, an offer nobody made: A drops it.
    const fake = answerTo(offer({ addr: joinAddr(C.port, a.id) }, c.addr))
    c.socket.emit('ss-handshake', fake)
    await a.rec.expectNone('ws-handshake', (h) => h.intentId === fake.intentId, 800)
  })

  it('a peer that left B is not available to A at once', TIMEOUT, async () => {
    const a = await joinPeer(A)
    const b = await joinPeer(B)
    const toB = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(b.id), 5000)
    b.socket.close()
    // An offer that reaches B while b's connection is still closing goes to b and is lost, as on one
    // server; once B has seen b go, offers are refused.
    await eventually(async () => (await offerAndWait(a, toB, 1000)).got.err === 'peer is not available',
      { timeoutMs: 6000, what: 'offers to the departed peer refused' })
  })
})

describe('Redis with a password', { skip }, () => {
  const password = `pw-${peerId().slice(0, 12)}`
  let redis

  before(async () => { redis = await startRedis({ password }) })
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await redis?.stop()
  })

  it('a password from the environment or a file works; a wrong one is refused, named in /readyz, never logged', TIMEOUT, async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(`${tmpdir()}/star-redis-pw-`)
    try {
      writeFileSync(`${dir}/password`, `${password}\n`, { mode: 0o600 })
      const A = await redisDaemon(redis, 'pw-a', { extraArgs: ['--redis-password-file', `${dir}/password`] })
      const B = await redisDaemon(redis, 'pw-b', { env: { WEBRTC_STAR_REDIS_PASSWORD: password } })
      const wrong = 'not-the-password'
      const W = await redisDaemon({ url: `redis://:${wrong}@127.0.0.1:${redis.port}/0` }, 'pw-wrong')
      await waitReady([A, B])
      const a = await joinPeer(A)
      const b = await joinPeer(B)
      await b.rec.waitFor('ws-peer', (ma) => ma.endsWith(a.id), 5000)
      await eventually(async () => /AUTH/.test((await readyz(W)).body), { timeoutMs: 5000, what: 'W says AUTH failed' })
      const r = await readyz(W)
      assert.equal(r.status, 503)
      assert.equal((await httpGet(`${W.url}/healthz`)).status, 200)
      for (const d of [A, B, W]) {
        assert.ok(!d.stderr.includes(password) && !d.stdout.includes(password), 'the password is not logged')
        assert.ok(!d.stderr.includes(wrong) && !d.stdout.includes(wrong), 'not even a wrong one')
      }
      assert.match(W.stderr + W.stdout, /redis:\/\/:\*\*\*@127\.0\.0\.1/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

