// Engine.IO long-polling spoken by hand: each error answer as engine.io gives it, the payload
// framing of both protocol versions, heartbeats, closes, and the upgrade to WebSocket with
// packets queued across the switch (none lost, none twice).

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { startDaemon, stopAllDaemons, metricSum } from './lib/daemon.mjs'
import { joinPeer, joinAddr, joinWithAck, connect, offer, eventually, sleep, closeAllClients, peerId } from './lib/clients.mjs'
import { PollingClient } from './lib/polling.mjs'

const sockets = new Set()

function openWs (url) {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  ws.frames = []
  ws.on('message', (data, isBinary) => ws.frames.push(isBinary ? data : data.toString('utf8')))
  ws.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)))
  ws.on('error', () => {})
  sockets.add(ws)
  return ws
}

async function untilFrames (ws, pred, what, timeoutMs = 5000) {
  await eventually(async () => pred(ws.frames), { timeoutMs, everyMs: 20, what: `${what} (frames: ${JSON.stringify(ws.frames).slice(0, 500)})` })
}

async function errorOf (url, init = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

const err = (code, message) => ({ status: 400, body: { code, message } })

describe('Engine.IO long-polling by hand', () => {
  let d
  before(async () => { d = await startDaemon(['--max-message-size', '4000', '--takeover-probe-timeout', '1s']) })
  afterEach(() => {
    closeAllClients()
    for (const ws of sockets) ws.terminate()
    sockets.clear()
  })
  after(async () => { closeAllClients(); await stopAllDaemons() })

  for (const path of ['/socket.io', '/socket.io-next']) {
    it(`handshake on ${path}: the open packet offers the upgrade, in both payload framings`, async () => {
      const v4 = new PollingClient(d, { path })
      const h = await v4.open()
      assert.deepEqual(Object.keys(h).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades'])
      assert.deepEqual(h.upgrades, ['websocket'])
      assert.equal(h.pingInterval, 25000)
      assert.equal(h.pingTimeout, 20000)
      assert.equal(h.maxPayload, 4000)

      const v3 = new PollingClient(d, { path, eio: 3 })
      const res = await fetch(v3.url(), { signal: AbortSignal.timeout(5000) })
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type'), /^text\/plain; charset=UTF-8$/i)
      const text = await res.text()
      const m = /^(\d+):(0\{.*\})$/.exec(text)
      assert.ok(m, `v3 payload framing: ${text}`)
      assert.equal(Number(m[1]), m[2].length)
      const h3 = JSON.parse(m[2].slice(1))
      assert.equal(h3.maxPayload, 4000, 'the EIO3 open packet has maxPayload, as socket.io 4 sends it')
      v3.sid = h3.sid
      // socket.io 4 joins an Engine.IO 3 client to "/" at once: the next GET brings "40"
      assert.deepEqual((await v3.get()).packets, ['40'])
    })
  }

  it('each refused request gets engine.io\'s status and JSON error', async () => {
    const base = `${d.url}/socket.io/`
    assert.deepEqual(await errorOf(`${base}?EIO=4`), err(0, 'Transport unknown'))
    assert.deepEqual(await errorOf(`${base}?EIO=4&transport=abc`), err(0, 'Transport unknown'))
    assert.deepEqual(await errorOf(`${base}?EIO=4&transport=polling&sid=nope`), err(1, 'Session ID unknown'))
    assert.deepEqual(await errorOf(`${base}?EIO=4&transport=polling&sid=nope`, { method: 'POST', body: '40' }), err(1, 'Session ID unknown'))
    assert.deepEqual(await errorOf(`${base}?EIO=4&transport=polling`, { method: 'POST', body: '40' }), err(2, 'Bad handshake method'))
    assert.deepEqual(await errorOf(`${base}?EIO=4&transport=polling`, { method: 'PUT', body: '40' }), err(2, 'Bad handshake method'))
    assert.deepEqual(await errorOf(`${base}?EIO=4&transport=websocket`), err(3, 'Bad request'))
    assert.deepEqual(await errorOf(`${base}?transport=polling`), err(5, 'Unsupported protocol version'))
    assert.deepEqual(await errorOf(`${base}?EIO=abc&transport=polling`), err(5, 'Unsupported protocol version'))
    // a WebSocket for an unknown sid
    const ws = openWs(`ws://127.0.0.1:${d.port}/socket.io/?EIO=4&transport=websocket&sid=nope`)
    const status = await new Promise((resolve) => ws.on('unexpected-response', (req, res) => resolve(res.statusCode)))
    assert.equal(status, 400)
  })

  it('a POST body over maxPayload is answered 413; the session goes on', async () => {
    const c = new PollingClient(d)
    await c.open()
    const res = await c.post('4' + 'x'.repeat(5000))
    assert.equal(res.status, 413)
    assert.equal((await c.post(['40'])).status, 200)
    const got = await c.get()
    assert.equal(got.status, 200)
    assert.ok(got.packets.some((p) => /^40\{"sid":/.test(p)), got.text)
  })

  it('a malformed payload closes the session (400), and so does a second concurrent GET', async () => {
    const before = metricSum(await (await fetch(`${d.url}/metrics`)).text(), 'webrtc_star_server_protocol_errors_total')
    const a = new PollingClient(d)
    await a.open()
    assert.equal((await a.post('abc')).status, 400)
    assert.deepEqual(await errorOf(a.url()), err(1, 'Session ID unknown'))

    const b = new PollingClient(d)
    await b.open()
    const first = b.get()
    await sleep(100)
    const second = await b.get()
    assert.equal(second.status, 400)
    assert.deepEqual((await first).packets, ['1'], 'the first GET carries the close')
    assert.equal((await b.get()).status, 400)
    const after = metricSum(await (await fetch(`${d.url}/metrics`)).text(), 'webrtc_star_server_protocol_errors_total')
    assert.equal(after - before, 2)
  })

  it('the client\'s close packet ends the pending GET with a noop', async () => {
    const c = new PollingClient(d)
    await c.open()
    const poll = c.get()
    await sleep(50)
    assert.equal((await c.post(['1'])).status, 200)
    assert.deepEqual((await poll).packets, ['6'])
    assert.equal((await c.get()).status, 400)
  })

  it('a pending GET whose connection the client closes ends the session, as in engine.io', async () => {
    const c = new PollingClient(d)
    await c.open()
    const abort = new AbortController()
    const pending = fetch(c.url(), { signal: abort.signal }).catch(() => null)
    await sleep(200)
    abort.abort()
    await pending
    await eventually(async () => (await errorOf(c.url())).status === 400, { timeoutMs: 5000, what: 'session gone' })
    assert.deepEqual(await errorOf(c.url()), err(1, 'Session ID unknown'))
  })

  it('takeover probes: a silent polling holder loses its peer id, a live one keeps it', { timeout: 20000 }, async () => {
    const id = peerId()
    const silent = new PollingClient(d)
    await silent.open()
    assert.equal((await silent.post(['40', `421${JSON.stringify(['ss-join', joinAddr(d.port, id)])}`])).status, 200)
    assert.ok((await silent.get()).packets.includes('431[null]'))
    // the holder holds no GET and answers nothing: the ping goes unanswered, the newcomer takes the id
    const newcomer = await joinPeer(d, 'v4', { id })
    assert.ok(newcomer.socket.connected)
    assert.equal((await silent.get()).status, 400, 'the silent holder was disconnected')

    // a polling holder that is alive answers the ping by polling: the newcomer is refused
    const live = await joinPeer(d, 'v4', { extra: { transports: ['polling'] } })
    const intruder = await connect('v4', d.url)
    const refused = await joinWithAck(intruder.socket, live.addr, 5000)
    assert.match(String(refused), /already joined/)
    assert.ok(live.socket.connected)
  })

  it('upgrade: probe, noop for the pending GET, upgrade; packets queued across the switch arrive once, in order', { timeout: 30000 }, async () => {
    const b = await joinPeer(d, 'v4') // a WebSocket-only peer
    const a = new PollingClient(d)
    await a.open()
    const aAddr = joinAddr(d.port, peerId())
    assert.equal((await a.post(['40', `421${JSON.stringify(['ss-join', aAddr])}`])).status, 200)
    const joined = await a.get()
    assert.ok(joined.packets.includes('431[null]'), `join acknowledged: ${joined.packets}`)
    const sent = []
    const sendOffers = (n) => {
      for (let i = 0; i < n; i++) {
        const o = offer(b, aAddr)
        sent.push(o.intentId)
        b.socket.emit('ss-handshake', o)
      }
    }
    const received = []
    const collect = (packets) => {
      for (const p of packets) {
        if (p.startsWith('42["ws-handshake"')) received.push(JSON.parse(p.slice(2))[1].intentId)
      }
    }

    const pending = a.get() // a GET waits while the WebSocket opens
    const ws = openWs(`ws://127.0.0.1:${d.port}/socket.io/?EIO=4&transport=websocket&sid=${a.sid}`)
    await new Promise((resolve) => ws.on('open', resolve))
    sendOffers(10)
    await sleep(100)
    ws.send('2probe')
    await untilFrames(ws, (f) => f.includes('3probe'), '3probe')
    const released = await pending
    assert.equal(released.status, 200)
    collect(released.packets)
    sendOffers(10) // queued for polling: no GET is pending now
    await sleep(200)
    const mid = await a.get()
    collect(mid.packets)
    sendOffers(10)
    await sleep(200)
    ws.send('5')
    sendOffers(10)
    // after the upgrade, every packet travels on the WebSocket
    await untilFrames(ws, () => { received.length = 0; collect(released.packets); collect(mid.packets); collect(ws.frames); return received.length >= 40 }, '40 offers')
    assert.deepEqual(received, sent, 'every offer once, in order')
    ws.send('42["ss-handshake",' + JSON.stringify(offer({ addr: aAddr }, b.addr)) + ']')
    await b.rec.waitFor('ws-handshake', (x) => x?.srcMultiaddr === aAddr)

    // polling requests for an upgraded session are refused; a second WebSocket is closed
    assert.deepEqual(await errorOf(a.url()), err(3, 'Bad request'))
    const again = openWs(`ws://127.0.0.1:${d.port}/socket.io/?EIO=4&transport=websocket&sid=${a.sid}`)
    await again.closed
    const m = await (await fetch(`${d.url}/metrics`)).text()
    assert.ok(metricSum(m, 'webrtc_star_server_polling_upgrades_total') >= 1)
  })
})

describe('Engine.IO heartbeats over long-polling and after the upgrade', () => {
  let d
  before(async () => { d = await startDaemon(['--ping-interval', '400ms', '--ping-timeout', '600ms']) })
  afterEach(() => {
    for (const ws of sockets) ws.terminate()
    sockets.clear()
  })
  after(async () => { await stopAllDaemons() })

  it('heartbeats over polling: the server pings on a GET, a pong keeps the session, silence ends it', { timeout: 20000 }, async () => {
    const c = new PollingClient(d)
    await c.open()
    await c.post(['40'])
    let pings = 0
    while (pings < 3) {
      const got = await c.get()
      assert.equal(got.status, 200)
      assert.ok(got.packets.every((p) => p === '2' || p.startsWith('40')), got.text)
      if (got.packets.includes('2')) {
        pings++
        assert.equal((await c.post(['3'])).status, 200)
      }
    }
    // no pong: the session is closed within interval + timeout
    while (!(await c.get()).packets.includes('2'));
    await eventually(async () => (await c.get(3000)).status === 400, { timeoutMs: 5000, what: 'session closed after the missed pong' })
  })

  it('after the upgrade, the server pings on the WebSocket', { timeout: 20000 }, async () => {
    const c = new PollingClient(d)
    await c.open()
    const ws = openWs(`ws://127.0.0.1:${d.port}/socket.io/?EIO=4&transport=websocket&sid=${c.sid}`)
    await new Promise((resolve) => ws.on('open', resolve))
    ws.send('2probe')
    await untilFrames(ws, (f) => f.includes('3probe'), '3probe')
    ws.send('5')
    ws.send('40')
    for (let i = 0; i < 3; i++) {
      await untilFrames(ws, (f) => f.filter((x) => x === '2').length > i, `ping ${i + 1} on the WebSocket`)
      ws.send('3')
    }
    assert.ok(ws.frames.some((f) => f.startsWith('40{"sid":')), JSON.stringify(ws.frames))
    // no pong: closed
    const code = await ws.closed
    assert.ok(code >= 1000)
  })
})

describe('--transports websocket', () => {
  let d
  before(async () => { d = await startDaemon(['--transports', 'websocket']) })
  after(async () => { await stopAllDaemons() })

  it('answers long-polling with "Transport unknown" and offers no upgrade', async () => {
    assert.deepEqual(await errorOf(`${d.url}/socket.io/?EIO=4&transport=polling`), err(0, 'Transport unknown'))
    assert.deepEqual(await errorOf(`${d.url}/socket.io-next/?EIO=3&transport=polling`), err(0, 'Transport unknown'))
    const b = await joinPeer(d, 'v4')
    assert.ok(b.socket.connected)
  })
})
