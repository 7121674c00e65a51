// ws-peer announcements: periodic refresh, the receiver's own prefix, the per-announce bound.

import { describe, it, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, stopAllDaemons } from './lib/daemon.mjs'
import { joinPeer, joinAddr, idOf, sleep, lagMonitor, closeAllClients } from './lib/clients.mjs'

describe('announcements', () => {
  afterEach(closeAllClients)
  after(async () => { closeAllClients(); await stopAllDaemons() })

  it('--peer-refresh-interval 300ms: ws-peer arrives again and again', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--peer-refresh-interval', '300ms'])
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const t0 = Date.now()
    // 1 at join + at least 6 refreshes in 2 s (300 ms +-10 %); 5 leaves a margin
    // (a 600 ms interval would give only 4)
    await a.rec.waitCount('ws-peer', 5, (x) => idOf(x) === b.id, 2000)
    await b.rec.waitCount('ws-peer', 5, (x) => idOf(x) === a.id, 2000 - (Date.now() - t0))
    await sleep(Math.max(0, 2000 - (Date.now() - t0)))
    const elapsed = Date.now() - t0
    const n = a.rec.all('ws-peer', (x) => idOf(x) === b.id).length
    // not a flood either: at most one per 0.9 interval, plus the announcements at join
    const max = Math.ceil(elapsed / 270) + 3
    assert.ok(n <= max, `a received b ${n} times in ${elapsed} ms (at most ${max} expected)`)
    // every announcement is b's address (same /ip4 prefix)
    assert.deepEqual([...new Set(a.rec.all('ws-peer'))], [b.addr])
    await d.stop()
  })

  it('each receiver gets the other peer id under its own prefix', { timeout: 15000 }, async () => {
    const d = await startDaemon()
    const a = await joinPeer(d, 'v4', { prefix: 'ip4' })
    const b = await joinPeer(d, 'v2', { prefix: 'dns4' })
    assert.equal(await a.rec.waitFor('ws-peer'), joinAddr(d.port, b.id, { prefix: 'ip4' }))
    assert.equal(await b.rec.waitFor('ws-peer'), joinAddr(d.port, a.id, { prefix: 'dns4' }))
    const c = await joinPeer(d, 'v3', { prefix: 'ip6' })
    assert.equal(await a.rec.waitFor('ws-peer', (x) => idOf(x) === c.id), joinAddr(d.port, c.id, { prefix: 'ip4' }))
    assert.equal(await b.rec.waitFor('ws-peer', (x) => idOf(x) === c.id), joinAddr(d.port, c.id, { prefix: 'dns4' }))
    const cGot = await c.rec.waitCount('ws-peer', 2)
    assert.deepEqual(new Set(cGot), new Set([joinAddr(d.port, a.id, { prefix: 'ip6' }), joinAddr(d.port, b.id, { prefix: 'ip6' })]))
    await d.stop()
  })

  it('--max-peers-per-announce 3 with 8 peers: at most 3 at once and per interval, all 7 seen over time', { timeout: 30000 }, async () => {
    const interval = 500
    const d = await startDaemon(['--peer-refresh-interval', `${interval}ms`, '--max-peers-per-announce', '3'])
    const others = []
    for (let i = 0; i < 7; i++) others.push(await joinPeer(d, 'v4'))
    const othersIds = new Set(others.map((o) => o.id))

    const lag = lagMonitor()
    const newcomer = await joinPeer(d, 'v4')
    const joinedAt = Date.now()

    // the initial batch: at least one, at most 3
    await newcomer.rec.waitFor('ws-peer', () => true, 2000)
    await sleep(150)
    const initial = newcomer.rec.entries('ws-peer').filter((e) => e.at - joinedAt < 150)
    assert.ok(initial.length >= 1 && initial.length <= 3, `newcomer got ${initial.length} ws-peer right after joining (1..3 expected)`)

    // over several intervals it sees every other peer
    const deadline = Date.now() + 12 * interval
    while (Date.now() < deadline) {
      const seen = new Set(newcomer.rec.all('ws-peer').map(idOf))
      if ([...othersIds].every((id) => seen.has(id))) break
      await sleep(50)
    }
    const seen = new Set(newcomer.rec.all('ws-peer').map(idOf))
    assert.deepEqual([...othersIds].filter((id) => !seen.has(id)), [], 'peers never announced to the newcomer')
    assert.ok(!seen.has(newcomer.id), 'the newcomer was told about itself')
    for (const id of seen) assert.ok(othersIds.has(id), `unknown peer id announced: ${id}`)

    // in total, at most 3 per round: one round at join plus one per (jittered) interval
    const observedMs = Date.now() - joinedAt
    const total = newcomer.rec.all('ws-peer').length
    const rounds = 1 + Math.floor(observedMs / (interval * 0.9))
    assert.ok(total <= 3 * rounds, `${total} ws-peer in ${observedMs} ms (at most ${3 * rounds} for ${rounds} rounds)`)

    // at most 3 within any window shorter than an interval (jitter is +-10 %),
    // unless this process stalled and so bunched events together
    lag.stop()
    if (lag.maxLagMs() < 100) {
      const times = newcomer.rec.entries('ws-peer').map((e) => e.at).sort((x, y) => x - y)
      const window = Math.floor(interval * 0.6)
      for (let i = 0; i < times.length; i++) {
        const inWindow = times.filter((t) => t >= times[i] && t < times[i] + window).length
        assert.ok(inWindow <= 3, `${inWindow} ws-peer within ${window} ms starting ${times[i] - joinedAt} ms after join: ${JSON.stringify(times.map((t) => t - joinedAt))}`)
      }
    }

    await d.stop()
  })
})
