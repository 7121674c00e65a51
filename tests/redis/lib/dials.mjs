// Cross-server dials for the Redis tests that measure: a caller peer on one server offers to a
// callee on another, which answers; a dial succeeds when the answer is back. Used for latency
// (p50/p99 of offer -> answer round trips) and for the failover window (dials kept flowing while
// Redis fails over: how many failed, and from when to when).

import { joinPeer, offer, answerTo } from '../../blackbox/lib/clients.mjs'
import { sleep } from '../../lib/wait.mjs'

/** A caller on `from` that can dial a callee on `to` (the callee answers every offer). */
export async function dialPair (from, to) {
  const caller = await joinPeer(from)
  const callee = await joinPeer(to)
  callee.socket.on('ws-handshake', (h) => { if (!h.answer && !h.err) callee.socket.emit('ss-handshake', answerTo(h)) })
  const calleeAddr = await caller.rec.waitFor('ws-peer', (ma) => ma.endsWith(callee.id), 5000)
  return { caller, callee, calleeAddr, label: `${from.serverId}->${to.serverId}` }
}

/** One dial: { ok, ms, err } (err: the server's answer, or 'timeout'). Forgets its events after. */
export async function dial ({ caller, calleeAddr }, timeoutMs = 2000) {
  const off = offer(caller, calleeAddr)
  const t0 = performance.now()
  caller.socket.emit('ss-handshake', off)
  try {
    const got = await caller.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId && (h.answer || h.err), timeoutMs)
    return { ok: !got.err, ms: performance.now() - t0, err: got.err }
  } catch {
    return { ok: false, ms: performance.now() - t0, err: 'timeout' }
  } finally {
    caller.rec.clear('ws-handshake')
  }
}

/** p-th percentile (0..100) of numbers. */
export function percentile (values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/**
 * Dial every pair over and over (each pair one dial at a time, `gapMs` apart) until stop() is
 * called; stop() resolves with every dial as { pair, at (Date.now()), ok, ms, err }.
 */
export function keepDialling (pairs, { gapMs = 50, timeoutMs = 2000 } = {}) {
  const results = []
  let stopping = false
  const loops = pairs.map(async (pair) => {
    while (!stopping) {
      const at = Date.now()
      results.push({ pair: pair.label, at, ...(await dial(pair, timeoutMs)) })
      await sleep(gapMs)
    }
  })
  return { results, stop: async () => { stopping = true; await Promise.all(loops); return results } }
}
