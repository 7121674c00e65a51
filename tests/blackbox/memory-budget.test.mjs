// The memory budget and ownership under attack: clients holding unfinished messages or
// refusing to read are shed once the budget is spent (counted), while a well-behaved pair goes
// on; a flooded but live holder keeps its peer id, a silent one loses it (counted, logged);
// provoked log lines are rate-limited.

import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, stopAllDaemons, getMetrics } from './lib/daemon.mjs'
import { connect, joinPeer, joinAddr, joinWithAck, offer, peerId, sleep, eventually, closeAllClients, handshakeWorks } from './lib/clients.mjs'
import { closeAllRaw } from './lib/raw.mjs'
import { upgrade, until, texts, clientFrame, frameHeader, mask, destroyAllWire, wireJoin } from './lib/wire.mjs'
import { metric, sampleOf } from './lib/metric.mjs'

const M = (name) => `webrtc_star_server_${name}`

afterEach(async () => {
  closeAllClients()
  closeAllRaw()
  destroyAllWire()
  await stopAllDaemons()
})

describe('memory budget', () => {
  it('clients holding unfinished messages are shed once the budget is spent; a good pair goes on', { timeout: 30000 }, async () => {
    const d = await startDaemon(['--memory-budget', '2MiB', '--min-receive-rate', '1KiB'])
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const size = 900 * 1000
    const chunk = mask(Buffer.alloc(size, 'z'))
    const hogs = []
    for (let i = 0; i < 12; i++) {
      const h = await upgrade(d.port)
      h.socket.write(frameHeader(1, size))
      h.socket.write(chunk.subarray(0, 300 * 1000)) // a third of the message, then silence
      hogs.push(h)
      await handshakeWorks(a, b)
    }
    await eventually(async () => await metric(d, M('memory_budget_shed_total')) >= 1, { timeoutMs: 5000, what: 'a shed counted' })
    // Those still open grow: each next piece takes a holder past its share, and it is shed.
    for (const h of hogs) if (!h.closed) h.socket.write(chunk.subarray(300 * 1000, 600 * 1000))
    await sleep(500)
    const text = await getMetrics(d)
    const shed = sampleOf(text, M('memory_budget_shed_total'))
    const buffered = sampleOf(text, M('buffered_bytes'))
    assert.ok(shed >= 6, `${shed} hogs shed`)
    assert.ok(buffered <= 3 * 1024 * 1024, `${buffered} bytes buffered with a 2 MiB budget`)
    assert.ok(hogs.filter((h) => h.closed).length >= 6)
    await handshakeWorks(a, b)
    await handshakeWorks(b, a)
    assert.equal(a.socket.connected && b.socket.connected, true, 'the good pair was never shed')
    assert.ok((d.stderr.match(/memory budget of \d+ bytes spent/g) ?? []).length <= 3, 'the shed line is rate-limited')
  })

  it('non-readers flooded with offers are shed before the budget grows past its limit', { timeout: 40000 }, async () => {
    const d = await startDaemon(['--memory-budget', '1MiB', '--max-queued-bytes', '4MiB', '--socket-send-buffer', '16KiB'])
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const sender = await joinPeer(d, 'v4')
    const deaf = []
    for (let i = 0; i < 6; i++) {
      const addr = joinAddr(d.port)
      const c = await wireJoin(d, addr)
      c.socket.pause()
      deaf.push({ c, addr })
    }
    const sdp = 'x'.repeat(30000)
    let peak = 0
    for (let round = 0; round < 20; round++) {
      for (const { c, addr } of deaf) if (!c.closed) sender.socket.emit('ss-handshake', offer(sender, addr, { signal: { type: 'offer', sdp } }))
      await sleep(30)
      if (round % 5 === 4) peak = Math.max(peak, await metric(d, M('buffered_bytes')))
    }
    await eventually(async () => await metric(d, M('memory_budget_shed_total')) >= 1, { timeoutMs: 5000, what: 'a shed counted' })
    assert.ok(peak <= 1.5 * 1024 * 1024, `buffered peaked at ${peak} bytes with a 1 MiB budget`)
    await handshakeWorks(a, b)
    assert.equal(await metric(d, M('slow_consumers_total')), 0, 'shed by the budget, before their own 4 MiB limit')
  })
})

describe('ownership under a flood', () => {
  it('a holder that reads slowly behind a flood keeps its peer id; takeovers stay 0', { timeout: 40000 }, async () => {
    const d = await startDaemon(['--takeover-probe-timeout', '1s', '--max-queued-bytes', '16MiB', '--socket-send-buffer', '16KiB'])
    const sender = await joinPeer(d, 'v4')
    const id = peerId()
    const addr = joinAddr(d.port, id)
    const holder = await wireJoin(d, addr)
    holder.socket.pause()
    // About 3 MB queued for it: a pong behind all that would come seconds late.
    const sdp = 'y'.repeat(30000)
    for (let i = 0; i < 100; i++) sender.socket.emit('ss-handshake', offer(sender, addr, { signal: { type: 'offer', sdp } }))
    await sleep(300)
    // 5 KiB every 20 ms: about 250 KiB/s, so its backlog takes some 10 s to read.
    const sips = setInterval(() => holder.socket.read(5120), 20)
    try {
      const { socket } = await connect('v4', d.url)
      const ack = await joinWithAck(socket, addr, 6000)
      assert.match(String(ack), /already joined/, 'the claim of a live holder is refused')
      await sleep(500)
      assert.equal(holder.closed, false, 'the holder is not disconnected')
      assert.equal(await metric(d, M('takeovers_total')), 0)
    } finally {
      clearInterval(sips)
      holder.socket.resume()
    }
    // It still holds the id: an offer reaches it once its backlog is read.
    const o = offer(sender, addr)
    sender.socket.emit('ss-handshake', o)
    await until(holder, (x) => texts(x).some((t) => t.includes(o.intentId)), 15000, 'the last offer')
  })

  it('a silent holder is taken over, counted and logged', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--takeover-probe-timeout', '500ms'])
    const id = peerId()
    const addr = joinAddr(d.port, id)
    const holder = await upgrade(d.port, { autoPong: false })
    holder.socket.write(clientFrame(1, '40'))
    holder.socket.write(clientFrame(1, '421' + JSON.stringify(['ss-join', addr])))
    await until(holder, (x) => texts(x).includes('431[null]'), 3000, 'join ack')
    const { socket } = await connect('v4', d.url)
    assert.equal(await joinWithAck(socket, addr, 5000), null, 'the newcomer takes the id')
    await until(holder, (x) => x.closed, 3000, 'the silent holder closed')
    assert.equal(await metric(d, M('takeovers_total')), 1)
    await eventually(async () => /peer \S+ was silent: connection \d+ takes it over/.test(d.stderr), { what: 'the takeover logged' })
  })

  it('joins provoking refusals cannot flood the log', { timeout: 30000 }, async () => {
    const d = await startDaemon()
    const holder = await joinPeer(d, 'v4')
    const claimants = []
    for (let i = 0; i < 10; i++) claimants.push((await connect('v4', d.url)).socket)
    const before = (d.stderr.match(/join refused/g) ?? []).length
    const t0 = Date.now()
    await Promise.all(claimants.map(async (s) => {
      for (let i = 0; i < 30; i++) await joinWithAck(s, holder.addr, 5000)
    }))
    const seconds = Math.max(1, (Date.now() - t0) / 1000)
    await sleep(200)
    const lines = (d.stderr.match(/join refused/g) ?? []).length - before
    assert.ok(lines <= 5 * (seconds + 1), `${lines} refusal lines for 300 refusals in ${seconds} s`)
    assert.ok(await metric(d, M('log_lines_suppressed_total')) >= 300 - lines - 5)
    const refused = await metric(d, 'webrtc_star_server_joins_refused_total', 'peer_id_taken') +
      await metric(d, 'webrtc_star_server_joins_refused_total', 'claim_pending')
    assert.equal(refused, 300, 'every claim was refused')
  })
})
