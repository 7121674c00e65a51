// The limits, metrics and probes of an Engine.IO session hold whatever carries it: attacks on
// sessions on long-polling and on sessions upgraded to WebSocket, each checked against its
// metric: the memory budget, the ping limit, the slow-consumer drop, the forward-latency
// histogram and the frame counters (each packet counted once).

import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, stopAllDaemons, getMetrics } from './lib/daemon.mjs'
import { joinPeer, joinAddr, offer, sleep, eventually, closeAllClients, handshakeWorks } from './lib/clients.mjs'
import * as wire from './lib/wire.mjs'
import { metric, sampleOf, DROPPED } from './lib/metric.mjs'
import { pollingJoin, upgradeSession } from './lib/polling.mjs'

const M = (name) => `webrtc_star_server_${name}`
const { clientFrame, texts, until } = wire

afterEach(async () => {
  closeAllClients()
  wire.destroyAllWire()
  await stopAllDaemons()
})

/** A polling session joined as a fresh address, upgraded to a WebSocket. */
async function upgradedJoin (d, opts) {
  const addr = joinAddr(d.port)
  const client = await pollingJoin(d, addr)
  const ws = await upgradeSession(d, client, wire, opts)
  return { addr, client, ws }
}

/** `rounds` rounds of one offer of `size` bytes from `sender` to each address; the peak of buffered_bytes. */
async function flood (d, sender, addrs, rounds, size = 30000) {
  const sdp = 'x'.repeat(size)
  let peak = 0
  for (let round = 0; round < rounds; round++) {
    for (const addr of addrs) sender.socket.emit('ss-handshake', offer(sender, addr, { signal: { type: 'offer', sdp } }))
    await sleep(30)
    if (round % 5 === 4) peak = Math.max(peak, await metric(d, M('buffered_bytes')))
  }
  return peak
}

/** A polling session the server has ended: its GET is refused, or brings the close packet. */
async function ended (client) {
  const r = await client.get(3000).catch(() => ({ status: 0, packets: [] }))
  return r.status === 400 || r.packets.includes('1')
}

describe('the session rules over long-polling and after the upgrade', () => {
  it('memory budget: polling sessions that never poll, flooded with offers, are shed and counted', { timeout: 40000 }, async () => {
    const d = await startDaemon(['--memory-budget', '1MiB', '--max-queued-bytes', '4MiB'])
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const sender = await joinPeer(d, 'v4')
    const idle = []
    for (let i = 0; i < 6; i++) {
      const addr = joinAddr(d.port)
      idle.push({ addr, client: await pollingJoin(d, addr) })
    }
    // 10 kB offers: the sender's own unread input stays far below its share of the budget even on a
    // loaded machine, so the budget sheds the sessions that hoard (the idle ones), not the sender.
    const peak = await flood(d, sender, idle.map((x) => x.addr), 60, 10000)
    await eventually(async () => await metric(d, M('memory_budget_shed_total')) >= 1, { timeoutMs: 5000, what: 'a polling session shed' })
    assert.ok(peak <= 1.5 * 1024 * 1024, `buffered peaked at ${peak} bytes with a 1 MiB budget`)
    assert.equal(await metric(d, M('slow_consumers_total')), 0, 'shed by the budget, before their own 4 MiB limit')
    // The shed is counted before the session's own thread has ended it: ask until it has.
    await eventually(async () => (await Promise.all(idle.map((x) => ended(x.client)))).some(Boolean),
      { timeoutMs: 8000, what: 'a shed polling session is over' })
    await handshakeWorks(a, b)
  })

  it('memory budget: upgraded sessions that never read, flooded with offers, are shed and counted', { timeout: 40000 }, async () => {
    const d = await startDaemon(['--memory-budget', '1MiB', '--max-queued-bytes', '4MiB', '--socket-send-buffer', '16KiB'])
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const sender = await joinPeer(d, 'v4')
    const deaf = []
    for (let i = 0; i < 6; i++) {
      const u = await upgradedJoin(d)
      u.ws.socket.pause()
      deaf.push(u)
    }
    const peak = await flood(d, sender, deaf.map((x) => x.addr), 20)
    await eventually(async () => await metric(d, M('memory_budget_shed_total')) >= 1, { timeoutMs: 5000, what: 'an upgraded session shed' })
    assert.ok(peak <= 1.5 * 1024 * 1024, `buffered peaked at ${peak} bytes with a 1 MiB budget`)
    assert.equal(await metric(d, M('slow_consumers_total')), 0)
    await handshakeWorks(a, b)
  })

  it('ping limit after the upgrade: WebSocket pings beyond --max-pings-per-second are not answered; a flood is closed with 1008', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--max-pings-per-second', '5'])
    const { ws } = await upgradedJoin(d)
    const t0 = Date.now()
    ws.socket.write(Buffer.concat(Array.from({ length: 200 }, () => clientFrame(9, 'p'))))
    await eventually(async () => await metric(d, DROPPED, 'ping_rate_limited') >= 170,
      { what: 'ping_rate_limited drops counted' })
    const answered = () => ws.frames.filter((f) => f.opcode === 10).length
    await eventually(() => answered() >= 10, { what: 'the burst answered' })
    const seconds = (Date.now() - t0) / 1000
    assert.ok(answered() <= 10 + 5 * seconds + 2, `${answered()} pings answered in ${seconds} s`)
    assert.equal(ws.closeCode, null, 'some excess is throttled, not a reason to disconnect')
    ws.socket.write(Buffer.concat(Array.from({ length: 400 }, () => clientFrame(9, 'p'))))
    await until(ws, (x) => x.closeCode !== null, 3000, 'close of the flooding session')
    assert.equal(ws.closeCode, 1008)
  })

  it('slow consumer: a polling session that never polls and an upgraded one that never reads are dropped past --max-queued-bytes, counted', { timeout: 40000 }, async () => {
    const d = await startDaemon(['--max-queued-bytes', '256KiB', '--memory-budget', '0', '--socket-send-buffer', '16KiB'])
    const sender = await joinPeer(d, 'v4')
    const pollAddr = joinAddr(d.port)
    const polling = await pollingJoin(d, pollAddr)
    const upgraded = await upgradedJoin(d)
    upgraded.ws.socket.pause()
    await flood(d, sender, [pollAddr, upgraded.addr], 40)
    await eventually(async () => await metric(d, M('slow_consumers_total')) >= 2, { timeoutMs: 5000, what: 'both dropped' })
    assert.ok(await metric(d, DROPPED, 'queue_full') >= 2)
    assert.ok(await ended(polling), 'the polling session is over')
    upgraded.ws.socket.resume()
    await until(upgraded.ws, (x) => x.closed, 5000, 'the upgraded session closed')
    assert.equal(await metric(d, M('polling_sessions')), 0)
  })

  it('forward latency: handshakes forwarded to polling and to upgraded peers are observed', { timeout: 20000 }, async () => {
    const d = await startDaemon()
    const sender = await joinPeer(d, 'v4')
    const count = async () => await metric(d, M('forward_latency_seconds_count'))
    const pollAddr = joinAddr(d.port)
    const polling = await pollingJoin(d, pollAddr)
    const c0 = await count()
    const sent = []
    for (let i = 0; i < 10; i++) {
      const o = offer(sender, pollAddr)
      sent.push(o.intentId)
      sender.socket.emit('ss-handshake', o)
    }
    let got = ''
    for (let i = 0; i < 20 && !sent.every((id) => got.includes(id)); i++) got += (await polling.get(3000)).text
    assert.ok(sent.every((id) => got.includes(id)), 'the polling peer got every offer')
    const c1 = await count()
    assert.ok(c1 - c0 >= 10, `${c1 - c0} of 10 handshakes to a polling peer observed`)

    const { addr, ws } = await upgradedJoin(d)
    const last = offer(sender, addr)
    for (let i = 0; i < 9; i++) sender.socket.emit('ss-handshake', offer(sender, addr))
    sender.socket.emit('ss-handshake', last)
    await until(ws, (x) => texts(x).some((t) => t.includes(last.intentId)), 3000, 'the offers on the WebSocket')
    await eventually(async () => await count() - c1 >= 10,
      { timeoutMs: 2000, what: `10 handshakes to an upgraded peer observed (${await count() - c1})` })
  })

  it('frame counters: each packet of a polling and of an upgraded session is counted once, sent and received', { timeout: 20000 }, async () => {
    const d = await startDaemon()
    const sender = await joinPeer(d, 'v4')
    const received = async () => await metric(d, M('frames_received_total'))
    const sentTotal = async () => await metric(d, M('frames_sent_total'))
    const nothing = Array.from({ length: 10 }, () => '42["nothing-of-interest"]')

    const polling = await pollingJoin(d, joinAddr(d.port))
    let r0 = await received()
    assert.equal((await polling.post(nothing)).status, 200)
    assert.equal(await received() - r0, 10, 'packets POSTed counted once')

    // Packets queued while polling leave on the WebSocket after the switch: sent once.
    const addr = joinAddr(d.port)
    const client = await pollingJoin(d, addr)
    const queued = Array.from({ length: 10 }, () => offer(sender, addr))
    for (const o of queued) sender.socket.emit('ss-handshake', o)
    await sleep(300)
    const s0 = await sentTotal()
    const ws = await upgradeSession(d, client, wire)
    await until(ws, (x) => queued.every((o) => texts(x).some((t) => t.includes(o.intentId))), 3000, 'the queued offers')
    await sleep(200)
    const switched = await sentTotal() - s0
    assert.ok(switched >= 10 && switched <= 11, `${switched} frames counted sent for 10 queued packets (and the 3probe)`)
    assert.equal(texts(ws).filter((t) => t.includes(queued[0].intentId)).length, 1, 'delivered once')

    r0 = await received()
    for (const p of nothing) ws.socket.write(clientFrame(1, p))
    await eventually(async () => await received() - r0 >= 10, { what: 'the WebSocket packets counted' })
    await sleep(300)
    assert.equal(await received() - r0, 10, 'packets on the upgraded session counted once')
    assert.equal(sampleOf(await getMetrics(d), M('polling_upgrades_total')), 1)
  })
})
