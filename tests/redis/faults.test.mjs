// The Redis backend under faults, black-box: Redis killed and restarted, Redis hung (SIGSTOP),
// a server SIGKILLed (its peers expire on the others within the TTL; offers to them are refused
// at once, as nobody listens on its channel any more), a server SIGTERMed (the others forget
// its peers at once). Real daemons, a real redis-server, socket.io-client peers.

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { startRedis, skipWithoutRedis } from './lib/redis.mjs'
import { redisDaemon, readyz, waitReady, metricOf, PEER_TTL_MS } from './lib/cluster.mjs'
import { stopAllDaemons, httpGet, offerAndWait } from '../lib/index.mjs'
import { joinPeer, joinAddr, offer, answerTo, closeAllClients, eventually, sleep } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 60000 }
const skip = skipWithoutRedis()
const REMOTE_PEERS = 'webrtc_star_server_remote_peers'

/** Local signalling on `server` works: two fresh peers there complete an offer. */
async function localSignallingWorks (server) {
  const x = await joinPeer(server)
  const y = await joinPeer(server)
  const off = offer(x, y.addr)
  x.socket.emit('ss-handshake', off)
  await y.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 2000)
}

describe('Redis goes away and comes back', { skip }, () => {
  let redis, A, B

  before(async () => {
    redis = await startRedis()
    A = await redisDaemon(redis, 'server-a')
    B = await redisDaemon(redis, 'server-b')
    await waitReady([A, B])
  })
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await redis?.stop()
  })
  afterEach(() => closeAllClients())

  it('killed: both servers say why in /readyz, signal locally, refuse remote offers at once, and recover by themselves', TIMEOUT, async () => {
    const a = await joinPeer(A)
    const b = await joinPeer(B)
    const toB = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(b.id), 5000)
    const reconnectsBefore = await metricOf(A, 'webrtc_star_server_federation_reconnects_total')
    await redis.kill()
    for (const d of [A, B]) {
      await eventually(async () => (await readyz(d)).status === 503, { timeoutMs: 3000, what: `${d.serverId} degraded` })
      assert.match((await readyz(d)).body, /Redis at redis:\/\/127\.0\.0\.1:\d+\/0 unreachable/)
      assert.equal((await httpGet(`${d.url}/healthz`)).status, 200)
      assert.equal(await metricOf(d, 'webrtc_star_server_federation_degraded'), 1)
    }
    await localSignallingWorks(A)
    const { got, ms } = await offerAndWait(a, toB)
    assert.equal(got.err, 'peer is not available')
    assert.ok(ms < 1000, `refused in ${ms} ms`)
    // A peer joins A while Redis is away: B hears of it once Redis is back (A re-announces).
    const late = await joinPeer(A)
    await redis.start()
    await waitReady([A, B], 15000)
    await b.rec.waitFor('ws-peer', (ma) => ma.endsWith(late.id), 5000)
    assert.ok(await metricOf(A, 'webrtc_star_server_federation_reconnects_total') > reconnectsBefore)
    // and handshakes cross again
    const toLate = await b.rec.waitFor('ws-peer', (ma) => ma.endsWith(late.id), 100)
    const off = offer(b, toLate)
    b.socket.emit('ss-handshake', off)
    await late.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 3000)
  })

  it('connections closed by Redis under a flood of offers, several times, then Redis killed: no server dies', TIMEOUT, async () => {
    const a = await joinPeer(A)
    const b = await joinPeer(B)
    b.socket.on('ws-handshake', (h) => { if (!h.answer && !h.err) b.socket.emit('ss-handshake', answerTo(h)) })
    const toB = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(b.id), 5000)
    // Large offers keep the link writing when Redis closes the connection: such a write must fail (EPIPE,
    // ECONNRESET), never end the process (Asio sends with MSG_NOSIGNAL; the backend's thread blocks SIGPIPE).
    const big = { type: 'offer', sdp: 'x'.repeat(60_000) }
    let killed = false
    const flood = (async () => {
      for (let i = 0; i < 400; i++) {  // bounded: 400 offers of 60 kB over about 2 s
        a.socket.emit('ss-handshake', offer(a, toB, { signal: big }))
        // Redis closes our connections under the flood (as on a restart or `CLIENT KILL`), several times
        if (i % 50 === 25 && i < 300) execFileSync('redis-cli', ['-p', String(redis.port), 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'])
        if (i === 300) { await redis.kill(); killed = true }
        await sleep(5)
      }
    })()
    await flood
    assert.ok(killed)
    for (const d of [A, B]) {
      assert.equal(d.process.exitCode, null, `${d.serverId} is still running`)
      assert.equal(d.process.signalCode, null, `${d.serverId} was not killed by a signal`)
      await eventually(async () => (await readyz(d)).status === 503, { timeoutMs: 3000, what: `${d.serverId} degraded` })
    }
    await redis.start()
    await waitReady([A, B], 15000)
  })

  it('hung (SIGSTOP): the servers notice within --redis-timeout, keep signalling locally, and recover after SIGCONT', TIMEOUT, async () => {
    redis.pause()
    try {
      const t0 = Date.now()
      // --redis-timeout is 2s here; the watchdog looks every 667 ms
      await eventually(async () => (await readyz(A)).status === 503, { timeoutMs: 8000, what: 'A degraded' })
      assert.match((await readyz(A)).body, /PING was not answered|not ready within/)
      assert.ok(Date.now() - t0 < 6000, `noticed after ${Date.now() - t0} ms`)
      await localSignallingWorks(A)
    } finally {
      redis.resume()
    }
    await waitReady([A, B], 15000)
    const a = await joinPeer(A)
    const b = await joinPeer(B)
    await b.rec.waitFor('ws-peer', (ma) => ma.endsWith(a.id), 5000)
  })
})

describe('a server goes away', { skip }, () => {
  let redis, A

  before(async () => {
    redis = await startRedis()
    A = await redisDaemon(redis, 'server-a')
    await waitReady([A])
  })
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await redis?.stop()
  })
  afterEach(() => closeAllClients())

  it('SIGKILL: offers to its peers are refused at once; its peers expire on the others within the TTL', TIMEOUT, async () => {
    const K = await redisDaemon(redis, 'server-killed')
    await waitReady([K])
    const k = await joinPeer(K)
    const a = await joinPeer(A)
    const toK = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(k.id), 5000)
    assert.equal(await metricOf(A, REMOTE_PEERS), 1)
    K.process.kill('SIGKILL')
    const killedAt = Date.now()
    // Once Redis has seen K's connections close, nobody subscribes to K's channel: PUBLISH says so and
    // the offer is refused at once. (An offer published in the moment before is lost, as K is.)
    await eventually(async () => {
      const { got, ms } = await offerAndWait(a, toK, 1000)
      return got.err === 'peer is not available' && ms < 1000
    }, { timeoutMs: 3000, what: 'offers to the killed server\'s peer refused at once' })
    assert.ok(Date.now() - killedAt < PEER_TTL_MS / 2, 'refused well before the TTL')
    await eventually(async () => (await metricOf(A, REMOTE_PEERS)) === 0,
      { timeoutMs: PEER_TTL_MS + 3000, what: "K's peer expired on A" })
    const took = Date.now() - killedAt
    assert.ok(took > PEER_TTL_MS / 4, `expired after ${took} ms: by its TTL, not by a leave`)
    // The id is free again: the peer may come back on another server.
    await joinPeer(A, 'v4', { id: k.id })
  })

  it('SIGTERM: the others forget its peers at once', TIMEOUT, async () => {
    const T = await redisDaemon(redis, 'server-terminated')
    await waitReady([T])
    const t1 = await joinPeer(T)
    const t2 = await joinPeer(T)
    const a = await joinPeer(A)
    await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(t1.id), 5000)
    await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(t2.id), 5000)
    const before = await metricOf(A, REMOTE_PEERS)
    assert.ok(before >= 2)
    const stopping = T.stop()
    const t0 = Date.now()
    await eventually(async () => (await metricOf(A, REMOTE_PEERS)) === before - 2,
      { timeoutMs: PEER_TTL_MS - 500, everyMs: 50, what: "T's peers forgotten on A" })
    const took = Date.now() - t0
    assert.ok(took < PEER_TTL_MS / 2, `forgotten after ${took} ms`)
    const { code } = await stopping
    assert.equal(code, 0)
    const { got } = await offerAndWait(a, joinAddr(T.port, t1.id))
    assert.equal(got.err, 'peer is not available')
  })
})
