// A benchmark, not a timed test: cross-server handshake round trips (offer out, answer back: two
// crossings through Redis) with plain redis:// against rediss://, the same harness, alternating, two
// runs each. Prints p50/p99 per run (README, "TLS to Redis"); asserts only that every dial succeeded.

import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { startRedis, skipWithoutRedis } from './lib/redis.mjs'
import { makeCertificates } from './lib/tls.mjs'
import { redisDaemon, waitReady } from './lib/cluster.mjs'
import { dialPair, dial, percentile } from './lib/dials.mjs'
import { stopAllDaemons } from '../lib/index.mjs'
import { closeAllClients } from '../blackbox/lib/clients.mjs'

const skip = skipWithoutRedis()
const DIALS = Number(process.env.STAR_REDIS_LATENCY_DIALS ?? 300)

async function run (redis, extraArgs, label) {
  const A = await redisDaemon(redis, `${label}-a`, { extraArgs })
  const B = await redisDaemon(redis, `${label}-b`, { extraArgs })
  await waitReady([A, B])
  const pair = await dialPair(A, B)
  for (let i = 0; i < 20; i++) await dial(pair)  // warm up
  const ms = []
  for (let i = 0; i < DIALS; i++) {
    const r = await dial(pair)
    assert.ok(r.ok, `dial ${i}: ${r.err}`)
    ms.push(r.ms)
  }
  closeAllClients()
  await stopAllDaemons()
  const figures = { label, dials: DIALS, p50: +percentile(ms, 50).toFixed(2), p99: +percentile(ms, 99).toFixed(2) }
  console.log(`# cross-server round trip: ${JSON.stringify(figures)}`)
  return figures
}

describe('cross-server handshakes over TLS against plain', { skip }, () => {
  const redises = []
  let certs
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    for (const r of redises) await r.stop()
    certs?.remove()
  })

  it('plain and TLS, alternating, two runs each', { timeout: 120000 }, async () => {
    certs = makeCertificates()
    const plain = await startRedis()
    const tls = await startRedis({ tls: { ...certs.server, ca: certs.ca } })
    redises.push(plain, tls)
    for (let i = 1; i <= 2; i++) {
      await run(plain, [], `plain${i}`)
      // STAR_REDIS_LATENCY_PLAIN_ONLY=1: for a binary without TLS (the "before" figures)
      if (!process.env.STAR_REDIS_LATENCY_PLAIN_ONLY) await run(tls, ['--redis-tls-ca-file', certs.ca], `tls${i}`)
    }
  })
})
