// The federation shell's retry policy seen through Redis: a PUBLISH that Redis refuses (here: an
// ACL that does not let server A publish to server B's channel) was certainly not delivered, so it
// is sent again, 200 ms apart, 3 times in all, and then its offer is answered "peer is not
// available". The same policy Waku's failed publishes follow (backends/shell/publish_policy.hpp).

import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { startRedis, skipWithoutRedis } from './lib/redis.mjs'
import { redisDaemon, waitReady, metricOf } from './lib/cluster.mjs'
import { stopAllDaemons, getMetrics } from '../blackbox/lib/daemon.mjs'
import { joinPeer, offer, closeAllClients } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 60000 }
const skip = skipWithoutRedis()

/** How many PUBLISH commands Redis refused so far (INFO commandstats, Redis 7). */
function rejectedPublishes (redis) {
  const info = execFileSync('redis-cli', ['-p', String(redis.port), 'INFO', 'commandstats'], { encoding: 'utf8' })
  const m = /cmdstat_publish:.*rejected_calls=(\d+)/.exec(info)
  return m ? Number(m[1]) : 0
}

describe('a PUBLISH Redis refuses', { skip }, () => {
  let redis, A, B

  before(async () => {
    redis = await startRedis()
    // server-a may use its own channels and the presence channel, not the other servers' signal channels.
    execFileSync('redis-cli', ['-p', String(redis.port), 'ACL', 'SETUSER', 'server-a', 'on', '>a-password', '~*', '+@all',
      'resetchannels', '&webrtc-star:presence', '&webrtc-star:signal:server-a'])
    A = await redisDaemon({ url: `redis://server-a:a-password@127.0.0.1:${redis.port}/0` }, 'server-a')
    B = await redisDaemon(redis, 'server-b')
    await waitReady([A, B])
  })
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await redis?.stop()
  })

  it('is sent again twice, 200 ms apart, then its offer is answered "peer is not available"', TIMEOUT, async () => {
    const a = await joinPeer(A)
    const b = await joinPeer(B)
    const toB = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(b.id), 5000)
    const refusedBefore = rejectedPublishes(redis)
    const off = offer(a, toB)
    const t0 = Date.now()
    a.socket.emit('ss-handshake', off)
    const got = await a.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 3000)
    const ms = Date.now() - t0
    assert.equal(got.err, 'peer is not available')
    assert.ok(ms >= 350, `answered after ${ms} ms: not before two retries 200 ms apart`)
    assert.equal(rejectedPublishes(redis) - refusedBefore, 3, 'three attempts in all')
    await b.rec.expectNone('ws-handshake', (h) => h.intentId === off.intentId, 100)
    const m = /_envelopes_dropped_total\{reason="publish_failed"\}\s+(\d+)/.exec(await getMetrics(A))
    assert.ok(m && Number(m[1]) >= 1, 'counted as publish_failed')
    assert.equal(await metricOf(A, 'webrtc_star_server_federation_degraded'), 0, 'a refused message is not a lost link')
  })
})
