// Every advertised limit, each against its own daemon started with a small value of its flag:
// the limit holds, what it refuses is counted in its metric, and well-behaved clients go on.

import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, stopAllDaemons } from './lib/daemon.mjs'
import { connect, joinPeer, offer, sleep, eventually, closeAllClients } from './lib/clients.mjs'
import { RawClient, rawConnect, closeAllRaw } from './lib/raw.mjs'
import { upgrade, until, texts, clientFrame, frameHeader, mask, closePayload, rawHttp, destroyAllWire, wireJoin } from './lib/wire.mjs'
import { metric, DROPPED } from './lib/metric.mjs'

const M = (name) => `webrtc_star_server_${name}`

afterEach(async () => {
  closeAllClients()
  closeAllRaw()
  destroyAllWire()
  await stopAllDaemons()
})

describe('limits', () => {
  it('--max-connections: the connection beyond the limit is closed at once and counted', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--max-connections', '3'])
    const held = [await rawConnect(d), await rawConnect(d), await rawConnect(d)]
    const extra = new RawClient(`ws://127.0.0.1:${d.port}/socket.io/?EIO=4&transport=websocket`)
    await extra.until(() => extra.closed || extra.error, 3000, 'refusal')
    assert.equal(extra.handshake, undefined, 'the fourth connection got no Engine.IO open packet')
    held[0].close() // (HTTP requests count too: /metrics needs a free slot)
    await eventually(async () => await metric(d, M('connections_refused_total')).then((n) => n >= 1, () => false),
      { timeoutMs: 3000, what: 'the refusal counted' })
    await eventually(async () => (await rawConnect(d).then((c) => { c.close(); return true }, () => false)),
      { timeoutMs: 3000, what: 'a connection accepted again once one closed' })
  })

  it('--max-messages-per-second: the excess is dropped and counted, the connection stays', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--max-messages-per-second', '20'])
    const c = await rawConnect(d)
    for (let i = 0; i < 200; i++) c.send('42["nothing-of-interest"]')
    await eventually(async () => await metric(d, DROPPED, 'rate_limited') >= 150,
      { what: 'rate_limited drops counted' })
    const limited = await metric(d, DROPPED, 'rate_limited')
    // The bucket starts with a second's worth (20, one taken by the CONNECT), holds up to two.
    assert.ok(limited <= 200 - 15 && limited >= 200 - 45, `${limited} of 200 were dropped`)
    assert.equal(c.closed, null)
    await sleep(1100) // the bucket refills
    assert.deepEqual(await c.emitWithAck('ss-leave'), [null])
  })

  it('--max-pings-per-second: pings beyond it are not answered and counted; a flood is closed with 1008', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--max-pings-per-second', '5'])
    const c = await upgrade(d.port)
    const t0 = Date.now()
    const burst = []
    // WebSocket pings (Engine.IO 3 pings: the next test).
    for (let i = 0; i < 200; i++) burst.push(clientFrame(9, 'p'))
    c.socket.write(Buffer.concat(burst))
    await eventually(async () => await metric(d, DROPPED, 'ping_rate_limited') >= 170,
      { what: 'ping_rate_limited drops counted' })
    const answered = () => c.frames.filter((f) => f.opcode === 10).length
    // The pongs may still be on their way when the drops are counted (a loaded machine): wait for them.
    await eventually(() => answered() >= 10, { what: 'the burst answered' })
    const seconds = (Date.now() - t0) / 1000
    // A burst of 10, then 5 a second.
    assert.ok(answered() <= 10 + 5 * seconds + 2, `${answered()} pings answered in ${seconds} s`)
    assert.equal(c.closeCode, null, 'some excess is throttled, not a reason to disconnect')
    // A flood (500 dropped: a hundred seconds' worth) ends the connection.
    const flood = []
    for (let i = 0; i < 400; i++) flood.push(clientFrame(9, 'p'))
    c.socket.write(Buffer.concat(flood))
    await until(c, (x) => x.closeCode !== null, 3000, 'close of the flooding connection')
    assert.equal(c.closeCode, 1008)
  })

  it('--max-pings-per-second: Engine.IO 3 pings beyond it are not answered and counted; a flood ends the session', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--max-pings-per-second', '5'])
    const c = await upgrade(d.port, { eio: 3 })
    const t0 = Date.now()
    const pongs = () => texts(c).filter((t) => t.startsWith('3')).length
    c.socket.write(Buffer.concat(Array.from({ length: 200 }, () => clientFrame(1, '2'))))
    await eventually(async () => await metric(d, DROPPED, 'ping_rate_limited') >= 170,
      { what: 'ping_rate_limited drops counted' })
    await eventually(() => pongs() >= 10, { what: 'the burst answered' }) // the pongs may lag the count
    const seconds = (Date.now() - t0) / 1000
    assert.ok(pongs() <= 10 + 5 * seconds + 2, `${pongs()} Engine.IO pings answered in ${seconds} s`)
    assert.equal(c.closed, false, 'some excess is throttled, not a reason to disconnect')
    c.socket.write(Buffer.concat(Array.from({ length: 400 }, () => clientFrame(1, '2'))))
    await until(c, (x) => x.closed || x.closeCode !== null, 3000, 'the end of the flooding session')
  })

  it('--max-received-per-second: what others send one peer beyond it is dropped and counted', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--max-received-per-second', '10'])
    const target = await joinPeer(d, 'v4')
    const senders = [await joinPeer(d, 'v4'), await joinPeer(d, 'v4'), await joinPeer(d, 'v4')]
    const t0 = Date.now()
    for (const s of senders) for (let i = 0; i < 40; i++) s.socket.emit('ss-handshake', offer(s, target.addr))
    await eventually(async () => await metric(d, DROPPED, 'receiver_rate_limited') >= 60,
      { what: 'receiver_rate_limited drops counted' })
    await sleep(300)
    const seconds = (Date.now() - t0) / 1000
    const got = target.rec.all('ws-handshake').length
    assert.ok(got >= 20 && got <= 20 + 10 * seconds + 2, `the target got ${got} of 120 offers in ${seconds} s`)
    // Others are not limited by the target's limit: a sender still reaches another peer.
    const other = await joinPeer(d, 'v4')
    const o = offer(senders[0], other.addr)
    senders[0].socket.emit('ss-handshake', o)
    await other.rec.waitFor('ws-handshake', (x) => x?.intentId === o.intentId)
  })

  it('--max-queued-bytes: a client that does not read is dropped and counted; its senders go on', { timeout: 30000 }, async () => {
    const d = await startDaemon(['--max-queued-bytes', '256KiB', '--socket-send-buffer', '16KiB'])
    const sender = await joinPeer(d, 'v4')
    const { joinAddr } = await import('./lib/clients.mjs')
    const deafAddr = joinAddr(d.port)
    const deaf = await wireJoin(d, deafAddr)
    deaf.socket.pause() // stops reading: the kernel's buffers fill, then our queue
    // Offers in small batches until it is dropped: those that come after get "peer is not
    // available" back with their payload, which must not overrun the sender's own small queue.
    const big = 'x'.repeat(20000)
    for (let i = 0; i < 40 && await metric(d, M('slow_consumers_total')) === 0; i++) {
      for (let j = 0; j < 5; j++) sender.socket.emit('ss-handshake', offer(sender, deafAddr, { signal: { type: 'offer', sdp: big } }))
      await sleep(50)
    }
    assert.equal(await metric(d, M('slow_consumers_total')), 1, 'the deaf client, and only it, was dropped')
    assert.ok(await metric(d, DROPPED, 'queue_full') >= 1)
    deaf.socket.resume()
    await until(deaf, (x) => x.closed, 5000, 'the deaf client disconnected')
    const other = await joinPeer(d, 'v4')
    const o = offer(sender, other.addr)
    sender.socket.emit('ss-handshake', o)
    await other.rec.waitFor('ws-handshake', (x) => x?.intentId === o.intentId)
  })

  it('partial writes: a burst larger than the socket buffer reaches a slow reader whole and in order', { timeout: 30000 }, async () => {
    const d = await startDaemon(['--socket-send-buffer', '4KiB', '--max-queued-bytes', '8MiB'])
    const sender = await joinPeer(d, 'v4')
    const { joinAddr } = await import('./lib/clients.mjs')
    const addr = joinAddr(d.port)
    const slow = await wireJoin(d, addr)
    const sentBefore = await metric(d, M('frames_sent_total'))
    slow.socket.pause()
    const ids = []
    for (let i = 0; i < 40; i++) {
      const o = offer(sender, addr, { signal: { type: 'offer', sdp: String(i).padEnd(30000, '.') } })
      ids.push(o.intentId)
      sender.socket.emit('ss-handshake', o)
    }
    await sleep(500)
    // Read in small sips: every write after the first few meets a full socket buffer.
    const sips = setInterval(() => { slow.socket.resume(); setTimeout(() => slow.socket.pause(), 3) }, 30)
    try {
      await until(slow, (x) => texts(x).filter((t) => t.startsWith('42["ws-handshake"')).length >= 40, 20000, '40 offers')
    } finally {
      clearInterval(sips)
      slow.socket.resume()
    }
    const got = texts(slow).filter((t) => t.startsWith('42["ws-handshake"')).map((t) => JSON.parse(t.slice(2))[1])
    assert.deepEqual(got.map((o) => o.intentId), ids, 'in order')
    got.forEach((o, i) => assert.equal(o.signal.sdp, String(i).padEnd(30000, '.'), `offer ${i} intact`))
    assert.ok(await metric(d, M('frames_sent_total')) - sentBefore >= 40)
  })

  it('heartbeat, Engine.IO 4: a client that does not answer pings is closed and counted', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--ping-interval', '300ms', '--ping-timeout', '300ms'])
    const alive = await rawConnect(d)
    const silent = await rawConnect(d)
    silent.freeze()
    await silent.waitClose(5000)
    assert.ok(await metric(d, M('heartbeat_timeouts_total')) >= 1)
    await sleep(700)
    assert.equal(alive.closed, null, 'a client answering pings stays')
  })

  it('heartbeat, Engine.IO 3: a client that stops pinging is closed and counted', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--ping-interval', '300ms', '--ping-timeout', '300ms'])
    const v2 = await connect('v2', d.url) // socket.io-client v2 pings by itself
    const silent = await upgrade(d.port, { eio: 3, autoPong: false })
    await until(silent, (x) => x.closed, 5000, 'close of the silent EIO3 client')
    assert.ok(await metric(d, M('heartbeat_timeouts_total')) >= 1)
    await sleep(1000)
    assert.equal(v2.socket.connected, true, 'a v2 client that pings stays connected')
  })

  it('--connect-timeout: a connection without a Socket.IO CONNECT is closed and counted', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--connect-timeout', '500ms'])
    const t0 = Date.now()
    const idle = await upgrade(d.port)
    const good = await rawConnect(d)
    await until(idle, (x) => x.closed, 5000, 'close of the connection that never sent CONNECT')
    assert.ok(Date.now() - t0 >= 400, 'not before the deadline')
    assert.ok(await metric(d, M('connect_timeouts_total')) >= 1)
    await sleep(300)
    assert.equal(good.closed, null, 'a connected client stays')
  })

  it('--handshake-timeout: a TCP connection that never finishes its upgrade is closed and counted', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--handshake-timeout', '500ms'])
    const net = await import('node:net')
    const t0 = Date.now()
    const s = net.connect({ host: '127.0.0.1', port: d.port })
    s.on('error', () => {})
    s.write('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n') // and never the rest
    await new Promise((resolve) => s.once('close', resolve))
    const took = Date.now() - t0
    assert.ok(took >= 400 && took < 5000, `closed after ${took} ms`)
    assert.ok(await metric(d, M('handshake_timeouts_total')) >= 1)
  })

  it('--handshake-timeout is for a first request: a keep-alive connection already answered may idle longer, uncounted', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--handshake-timeout', '500ms'])
    const net = await import('node:net')
    const s = net.connect({ host: '127.0.0.1', port: d.port })
    s.on('error', () => {})
    let received = ''
    let closed = false
    s.on('data', (b) => { received += b.toString() })
    s.on('close', () => { closed = true })
    const answers = () => received.split('HTTP/1.1 200').length - 1
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    await eventually(() => answers() === 1, { timeoutMs: 5000, what: 'the first answer' })
    await sleep(1500) // three handshake timeouts: an answered connection waits for the keep-alive timeout
    assert.equal(closed, false, 'still open after idling past --handshake-timeout')
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    await eventually(() => answers() === 2, { timeoutMs: 5000, what: 'the second answer on the same connection' })
    assert.equal(await metric(d, M('handshake_timeouts_total')), 0)
    s.destroy()
  })

  it('a message must arrive at --min-receive-rate: one stalled half-way is closed and counted', { timeout: 30000 }, async () => {
    const d = await startDaemon(['--min-receive-rate', '100KiB'])
    const stalled = await upgrade(d.port)
    // A valid Socket.IO event (of no interest): a protocol-exact session closes on anything else.
    const payload = Buffer.from('42["nothing-of-interest","' + 'a'.repeat(100 * 1024 - 30) + '"]')
    stalled.socket.write(Buffer.concat([frameHeader(1, payload.length), mask(payload.subarray(0, 4096))]))
    // A slow but steady sender finishes its 100 KiB message well within 5 s + 1 s.
    const steady = await upgrade(d.port)
    steady.socket.write(clientFrame(1, '40')) // joined to "/": its event is valid where it arrives
    steady.socket.write(frameHeader(1, payload.length))
    const masked = mask(payload)
    for (let i = 0; i < 10; i++) {
      steady.socket.write(masked.subarray(i * 10240, i === 9 ? masked.length : (i + 1) * 10240))
      await sleep(200)
    }
    const t0 = Date.now()
    await until(stalled, (x) => x.closed, 10000, 'close of the stalled sender')
    assert.ok(await metric(d, M('frame_deadlines_total')) === 1, 'exactly one deadline hit')
    assert.equal(steady.closed, false, 'the steady sender stays')
    assert.ok(Date.now() - t0 < 10000)
  })
})

describe('RFC 6455 and HTTP details', () => {
  it('close codes a client may not send are answered with 1002, a reason that is not UTF-8 with 1007', { timeout: 20000 }, async () => {
    const d = await startDaemon()
    const cases = [[0, 1002], [999, 1002], [1004, 1002], [1005, 1002], [1006, 1002], [1015, 1002], [2999, 1002],
      [5000, 1002], [1000, 1000], [1001, 1000], [3000, 1000], [4999, 1000]]
    for (const [sent, expected] of cases) {
      const c = await upgrade(d.port)
      c.socket.write(clientFrame(8, closePayload(sent)))
      await until(c, (x) => x.closeCode !== null, 3000, `close answer to ${sent}`)
      assert.equal(c.closeCode, expected, `close code ${sent}`)
    }
    const bad = await upgrade(d.port)
    bad.socket.write(clientFrame(8, closePayload(1000, Buffer.from([0xff, 0xfe]))))
    await until(bad, (x) => x.closeCode !== null, 3000, 'close answer to a non-UTF-8 reason')
    assert.equal(bad.closeCode, 1007)
  })

  it('oversized request headers get 431, oversized bodies 413', { timeout: 20000 }, async () => {
    const d = await startDaemon()
    const big = 'x'.repeat(16 * 1024)
    assert.equal(await rawHttp(d.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`), 431)
    assert.equal(await rawHttp(d.port, 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n' + 'y'.repeat(1000)), 413)
    assert.equal(await rawHttp(d.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'), 200)
  })
})
