// The Redis backend's failure modes that faults.test.mjs does not cover (README, "When Redis
// fails"): Redis unreachable when a server starts; the master turned replica under us (REPLICAOF,
// as a failover without Sentinel would do); one server partitioned from Redis while the others
// still see it (a TCP proxy turned black hole); Redis too slow to take what is published (paused
// under a flood of large offers: the shell's bound of 64 MiB in flight). Real daemons, real redis-servers.

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { RedisServer, startRedis, skipWithoutRedis } from './lib/redis.mjs'
import { startProxy } from './lib/proxy.mjs'
import { cli } from './lib/sentinel.mjs'
import { redisDaemon, readyz, waitReady, metricOf, PEER_TTL_MS } from './lib/cluster.mjs'
import { stopAllDaemons, offerAndWait, freePort, metric, httpGet } from '../lib/index.mjs'
import { joinPeer, offer, closeAllClients, eventually } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 60000 }
const skip = skipWithoutRedis()
const REMOTE_PEERS = 'webrtc_star_server_remote_peers'
const DROPPED = 'webrtc_star_server_federation_envelopes_dropped_total'

describe('Redis failure modes', { skip }, () => {
  const redises = []
  let proxy

  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await proxy?.close()
    for (const r of redises) await r.stop()
  })
  afterEach(async () => {
    closeAllClients()
    await stopAllDaemons()
  })

  it('unreachable at start: the server serves, /readyz says why, and federation comes up once Redis does', TIMEOUT, async () => {
    const redis = new RedisServer()
    redis.port = await freePort()
    redises.push(redis)
    const A = await redisDaemon(redis, 'server-a')
    const r = await readyz(A)
    assert.equal(r.status, 503)
    assert.match(r.body, /Redis at redis:\/\/127\.0\.0\.1:\d+\/0 unreachable: cannot connect/)
    await joinPeer(A)  // local signalling works meanwhile
    await redis.start()
    await waitReady([A], 15000)
  })

  it('the master turned replica (REPLICAOF): every server leaves it, says so, and comes back when it is a master again', TIMEOUT, async () => {
    const redis = await startRedis()
    const other = await startRedis()
    redises.push(redis, other)
    const A = await redisDaemon(redis, 'server-a')
    const B = await redisDaemon(redis, 'server-b')
    await waitReady([A, B])
    cli(redis.port, 'REPLICAOF', '127.0.0.1', String(other.port))
    for (const d of [A, B]) {
      await eventually(async () => /is a slave, not a master \(READONLY\)/.test((await readyz(d)).body),
        { timeoutMs: 8000, what: `${d.serverId} sees the replica` })
    }
    cli(redis.port, 'REPLICAOF', 'NO', 'ONE')
    await waitReady([A, B], 15000)
  })

  it('one server partitioned from Redis: its peers vanish from the others within the TTL; it recovers after', TIMEOUT, async () => {
    const redis = await startRedis()
    redises.push(redis)
    proxy = await startProxy(redis.port)
    const A = await redisDaemon(redis, 'server-a')
    const P = await redisDaemon(redis, 'server-p', { url: `redis://127.0.0.1:${proxy.port}/0` })
    await waitReady([A, P])
    const a = await joinPeer(A)
    const p = await joinPeer(P)
    const toP = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(p.id), 5000)
    assert.equal(await metricOf(A, REMOTE_PEERS), 1)
    proxy.block()
    const cutAt = Date.now()
    // P notices (an unanswered PING) and says so; A forgets P's peer once the TTL passes unrenewed.
    await eventually(async () => (await readyz(P)).status === 503, { timeoutMs: 5000, what: 'P degraded' })
    await eventually(async () => await metricOf(A, REMOTE_PEERS) === 0,
      { timeoutMs: PEER_TTL_MS + 3000, what: 'P\'s peer forgotten by A' })
    const forgottenMs = Date.now() - cutAt
    console.log(`# partition: P's peer forgotten by A after ${forgottenMs} ms (TTL ${PEER_TTL_MS} ms)`)
    assert.ok(forgottenMs <= PEER_TTL_MS + 1000, `forgotten after ${forgottenMs} ms`)
    assert.equal((await offerAndWait(a, toP)).got.err, 'peer is not available')
    proxy.unblock()  // the stale connections are P's to drop; it reconnects through the proxy
    await waitReady([P], 15000)
    await eventually(async () => await metricOf(A, REMOTE_PEERS) === 1, { timeoutMs: 5000, what: 'P\'s peer announced again' })
  })

  it('Redis too slow (paused under a flood): what waits is bounded, the rest refused at once and counted', { timeout: 120000 }, async () => {
    const redis = await startRedis()
    redises.push(redis)
    // A long --redis-timeout, so that the link is not dropped (which would empty the queue) during the flood.
    const A = await redisDaemon(redis, 'server-a', { timeout: '40s' })
    const B = await redisDaemon(redis, 'server-b')
    await waitReady([A, B])
    const b = await joinPeer(B)
    const callers = []
    for (let i = 0; i < 8; i++) callers.push(await joinPeer(A))
    const toB = await callers[0].rec.waitFor('ws-peer', (ma) => ma.endsWith(b.id), 5000)
    redis.pause()
    // 1,600 offers of 60 kB (96 MB) against a bound of 64 MiB in flight, from 8 callers, each well within
    // the 1,000 messages/s a connection may send (so that no rate limit takes them first, even on a busy
    // machine).
    const big = { type: 'offer', sdp: 'x'.repeat(60_000) }
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 25; i++) for (const c of callers) c.socket.emit('ss-handshake', offer(c, toB, { signal: big }))
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    await eventually(async () => await metric(A, DROPPED, 'queue_full') >= 1,
      { timeoutMs: 50000, what: 'publishes beyond the bound refused' }).catch(async (e) => {
      // what became of the offers, for whoever reads a failure
      const text = (await httpGet(`${A.url}/metrics`)).body
      console.log(text.split('\n').filter((l) => /dropped|refused|published|messages|rate/.test(l) && !l.startsWith('#') && !/ 0$/.test(l)).join('\n'))
      throw e
    })
    const refused = callers.flatMap((c) => c.rec.all('ws-handshake', (h) => h.err === 'peer is not available'))
    assert.ok(refused.length >= 1, 'the refused offers are answered at once')
    const dropped = await metric(A, DROPPED, 'queue_full')
    console.log(`# slow Redis: ${dropped} of 1600 offers refused (queue_full) while Redis was paused`)
    assert.equal((await readyz(A)).status, 200, 'still up: Redis is only slow')
    redis.resume()
    // What waited goes out (b, flooded, may be closed by B's own per-session bound, and Redis' pubsub
    // output limit may drop B's subscription); then handshakes cross again, between fresh peers.
    await waitReady([A, B], 20000)
    const fresh = await joinPeer(A)
    const b2 = await joinPeer(B)
    await eventually(async () => {
      const toB2 = fresh.rec.all('ws-peer', (ma) => ma.endsWith(b2.id))[0]
      if (!toB2) return false
      const off = offer(fresh, toB2)
      fresh.socket.emit('ss-handshake', off)
      return b2.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 1000).catch(() => false)
    }, { timeoutMs: 20000, what: 'a handshake crossing after Redis resumed' })
  })
})
