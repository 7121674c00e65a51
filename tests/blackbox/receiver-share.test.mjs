// Fair shares at a receiver: ten connections flood one peer with ICE candidates, far beyond its
// --max-received-per-second, while a good client dials it 50 times. The flooders get their own
// shares of the peer's limit, never the good client's: none of its handshakes fails.

import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, stopAllDaemons } from './lib/daemon.mjs'
import { joinPeer, offer, answerTo, sleep, eventually, closeAllClients } from './lib/clients.mjs'
import { metric, DROPPED } from './lib/metric.mjs'

const CANDIDATE = { type: 'candidate', candidate: { candidate: 'candidate:1 1 UDP 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } }

afterEach(async () => {
  closeAllClients()
  await stopAllDaemons()
})

/** One dial from `good` to `victim`: an offer and two candidates reach it, its answer comes back. */
async function dial (good, victim, timeoutMs) {
  const o = offer(good, victim.addr)
  const mine = (x) => x?.intentId === o.intentId
  good.socket.emit('ss-handshake', o)
  for (let i = 0; i < 2; i++) good.socket.emit('ss-handshake', { ...o, signal: CANDIDATE })
  await victim.rec.waitCount('ws-handshake', 3, mine, timeoutMs)
  victim.socket.emit('ss-handshake', answerTo(o))
  await good.rec.waitFor('ws-handshake', (x) => mine(x) && x.answer === true, timeoutMs)
}

describe('receiver share', () => {
  it('ten flooders at one peer: a good client completes 50 handshakes with it, none fails', { timeout: 90000 }, async () => {
    const d = await startDaemon(['--max-received-per-second', '2000'])
    const victim = await joinPeer(d, 'v4')
    const good = await joinPeer(d, 'v4')
    const flooders = []
    for (let i = 0; i < 10; i++) flooders.push(await joinPeer(d, 'v4'))
    // 800 candidates a second each (under --max-messages-per-second), 4 times the victim's limit.
    let flooding = true
    const floods = flooders.map(async (f) => {
      const c = offer(f, victim.addr, { signal: CANDIDATE })
      for (let tick = 0; flooding && tick < 6000; tick++) { // bounded: at most 60 s
        for (let i = 0; i < 8; i++) f.socket.emit('ss-handshake', c)
        await sleep(10)
      }
    })
    try {
      await eventually(async () => await metric(d, DROPPED, 'receiver_rate_limited') >= 4000,
        { timeoutMs: 10000, what: 'the flood held at the victim\'s limit' })
      const dropsBefore = await metric(d, DROPPED, 'receiver_rate_limited')
      const failures = []
      for (let i = 0; i < 50 && failures.length < 3; i++) { // three failures are enough to know
        await dial(good, victim, 2000).catch((e) => failures.push(`dial ${i}: ${e.message.slice(0, 200)}`))
        await sleep(10) // a busy client, but one dial at a time: its share is 2000/11 a second
      }
      assert.deepEqual(failures, [], 'the good client\'s dials with the flooded peer')
      const dropped = await metric(d, DROPPED, 'receiver_rate_limited') - dropsBefore
      assert.ok(dropped >= 500, `the flood went on, limited, all along the dials (${dropped} dropped meanwhile)`)
    } finally {
      flooding = false
      await Promise.all(floods)
    }
  })
})
