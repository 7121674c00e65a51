// Socket.IO signalling with real socket.io-client v2, v3 and v4 on both paths.

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, stopAllDaemons } from './lib/daemon.mjs'
import {
  VERSIONS, PATHS, joinPeer, joinAddr, offer, answerTo, eventually, eventuallyUnavailable, idOf,
  createClient, Recorder, closeAllClients
} from './lib/clients.mjs'
import { rawConnect, closeAllRaw } from './lib/raw.mjs'

/** An offer whose signal exercises JSON corner cases (unicode, escapes, numbers, nesting). */
function richOffer (from, dstAddr) {
  return offer(from, dstAddr, {
    signal: {
      type: 'offer',
      sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=ice-ufrag:"x"\\y\r\n',
      unicode: 'é ü 漢字 😀',
      numbers: [0, -1, 1.5, 1e21, 9007199254740991],
      nested: { candidates: [{ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMLineIndex: 0 }], empty: {}, none: null, yes: true }
    }
  })
}

describe('socket.io signalling', () => {
  let d
  before(async () => { d = await startDaemon() })
  afterEach(() => { closeAllClients(); closeAllRaw() })
  after(async () => { closeAllClients(); closeAllRaw(); await stopAllDaemons() })

  for (const version of VERSIONS) {
    for (const path of PATHS) {
      it(`${version} clients on ${path}: join, ws-peer, offer, answer, unknown peer, leave`, { timeout: 20000 }, async () => {
        const a = await joinPeer(d, version, { path })
        const b = await joinPeer(d, version, { path })

        // each learns the other's address (same /ip4 prefix, so it is the other's join address)
        assert.equal(await a.rec.waitFor('ws-peer', (x) => idOf(x) === b.id), b.addr)
        assert.equal(await b.rec.waitFor('ws-peer', (x) => idOf(x) === a.id), a.addr)
        assert.deepEqual(a.rec.all('ws-peer', (x) => idOf(x) === a.id), [], 'a peer is never told about itself')
        assert.deepEqual(b.rec.all('ws-peer', (x) => idOf(x) === b.id), [], 'a peer is never told about itself')

        // offer a -> b arrives unchanged
        const off = richOffer(a, b.addr)
        a.socket.emit('ss-handshake', off)
        assert.deepEqual(await b.rec.waitFor('ws-handshake', (x) => x?.intentId === off.intentId), off)

        // answer b -> a is routed back unchanged
        const ans = answerTo(off)
        b.socket.emit('ss-handshake', ans)
        assert.deepEqual(await a.rec.waitFor('ws-handshake', (x) => x?.intentId === off.intentId && x.answer === true), ans)

        // offer to a peer nobody holds: the sender gets it back with err
        const lost = offer(a, joinAddr(d.port))
        a.socket.emit('ss-handshake', lost)
        assert.deepEqual(await a.rec.waitFor('ws-handshake', (x) => x?.intentId === lost.intentId),
          { ...lost, err: 'peer is not available' })

        // after b leaves, offers to b fail
        b.socket.emit('ss-leave')
        await eventuallyUnavailable(a, b.addr)

        // no error events along the way
        assert.deepEqual(a.rec.all('error'), [])
        assert.deepEqual(b.rec.all('error'), [])
      })
    }
  }

  it('mixed client versions talk to each other (v2 <-> v4, v3 <-> v2, v4 <-> v3)', { timeout: 20000 }, async () => {
    const p2 = await joinPeer(d, 'v2', { path: '/socket.io' })
    const p4 = await joinPeer(d, 'v4', { path: '/socket.io-next' })
    const p3 = await joinPeer(d, 'v3', { path: '/socket.io' })
    const pairs = [[p2, p4], [p4, p2], [p3, p2], [p4, p3]]
    for (const [caller, callee] of pairs) {
      await caller.rec.waitFor('ws-peer', (x) => idOf(x) === callee.id)
      const off = richOffer(caller, callee.addr)
      caller.socket.emit('ss-handshake', off)
      assert.deepEqual(await callee.rec.waitFor('ws-handshake', (x) => x?.intentId === off.intentId), off,
        `${caller.version} -> ${callee.version} offer`)
      const ans = answerTo(off)
      callee.socket.emit('ss-handshake', ans)
      assert.deepEqual(await caller.rec.waitFor('ws-handshake', (x) => x?.intentId === off.intentId && x.answer === true), ans,
        `${callee.version} -> ${caller.version} answer`)
    }
  })

  it('an offer reaches the peer whatever prefix the sender uses for it', { timeout: 15000 }, async () => {
    const a = await joinPeer(d, 'v4', { prefix: 'ip4' })
    const b = await joinPeer(d, 'v4', { prefix: 'dns4' })
    const off = offer(a, joinAddr(d.port, b.id, { prefix: 'ip4' })) // b joined via /dns4
    a.socket.emit('ss-handshake', off)
    assert.deepEqual(await b.rec.waitFor('ws-handshake', (x) => x?.intentId === off.intentId), off)
  })

  it('forwards the offer payload byte for byte (raw frames)', { timeout: 15000 }, async () => {
    const r1 = await rawConnect(d)
    const r2 = await rawConnect(d, { path: '/socket.io-next' })
    const a1 = joinAddr(d.port)
    const a2 = joinAddr(d.port)
    assert.deepEqual(await r1.emitWithAck('ss-join', a1), [null])
    assert.deepEqual(await r2.emitWithAck('ss-join', a2), [null])
    // key order, escapes and number spellings that a re-serialiser would change
    const payload = `{"signal":{"sdp":"v=0\\r\\n\\u00e9 \\"q\\" \\/ ü 😀","n":1.50,"e":1E3,"big":123456789012345678901234567890,"neg":-0,"nested":{"a":[1,2,{"b":null}],"t":true}},"intentId":"raw-1","dstMultiaddr":"${a2}","srcMultiaddr":"${a1}"}`
    JSON.parse(payload) // it is valid JSON
    r1.send(`42["ss-handshake",${payload}]`)
    const ev = await r2.waitEvent('ws-handshake', (x) => x?.intentId === 'raw-1')
    assert.ok(ev.raw.includes(payload), `payload changed on the way:\nsent:     ${payload}\nreceived: ${ev.raw}`)
  })

  it('ss-join acknowledgement: [null] on success', { timeout: 10000 }, async () => {
    const r = await rawConnect(d)
    assert.deepEqual(await r.emitWithAck('ss-join', joinAddr(d.port)), [null])
  })

  it('a non-default namespace is refused with "Invalid namespace" (v4 and v2)', { timeout: 10000 }, async () => {
    const s4 = createClient('v4', `${d.url}/other`)
    const err4 = await new Promise((resolve, reject) => {
      s4.once('connect', () => reject(new Error('v4 client connected to /other')))
      s4.once('connect_error', resolve)
      setTimeout(() => reject(new Error('no connect_error for /other within 3 s')), 3000)
    })
    assert.equal(err4.message, 'Invalid namespace')

    const s2 = createClient('v2', `${d.url}/other`)
    const rec2 = new Recorder(s2)
    const err2 = await rec2.waitFor('error')
    // the contract says a bare string for EIO=3; socket.io 4 servers send {message}: accept both
    assert.equal(typeof err2 === 'string' ? err2 : err2?.message, 'Invalid namespace')
  })
})
