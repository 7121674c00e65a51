// Refusing bad input and misbehaving peers: invalid joins, hijack, takeover,
// spoofed and invalid handshakes, foreign leaves, re-joins, oversized frames.

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, stopAllDaemons, getMetrics, metricSum, httpGet, DROPPED } from '../lib/index.mjs'
import {
  connect, joinPeer, joinAddr, joinWithAck, offer, answerTo, idOf, peerId, eventually, eventuallyUnavailable, closeAllClients
} from './lib/clients.mjs'
import { rawConnect, closeAllRaw } from './lib/raw.mjs'

/** `from` offers to `to`; resolves once `to` received it (deep-equal). */
async function assertOfferArrives (from, to, dstAddr = to.addr) {
  const o = offer(from, dstAddr)
  from.socket.emit('ss-handshake', o)
  assert.deepEqual(await to.rec.waitFor('ws-handshake', (x) => x?.intentId === o.intentId), o)
}

async function droppedSoFar (d) {
  return metricSum(await getMetrics(d), DROPPED) ?? 0
}

describe('security', () => {
  let d
  before(async () => { d = await startDaemon(['--takeover-probe-timeout', '1s']) })
  afterEach(() => { closeAllClients(); closeAllRaw() })
  after(async () => { closeAllClients(); closeAllRaw(); await stopAllDaemons() })

  it('invalid joins get an error event, are never announced, and keep the earlier registration', { timeout: 20000 }, async () => {
    const listener = await joinPeer(d, 'v4')
    const s = await joinPeer(d, 'v4')
    await listener.rec.waitFor('ws-peer', (x) => idOf(x) === s.id)

    const invalid = [
      null,
      42,
      {},
      [],
      'bogus',
      '/ip4/1.2.3.4/tcp/1/ws/p2p-webrtc-star/p2p/notapeerid',
      `/ip4/127.0.0.1/tcp/${d.port}/ws/p2p-webrtc-star/p2p/${'Qm' + 'x'.repeat(100 * 1024)}`,
      '/ip4/127.0.0.1/tcp/1/http/p2p/' + peerId(), // not a webrtc-star address
      true
    ]
    for (const bad of invalid) s.socket.emit('ss-join', bad)
    const errors = await s.rec.waitCount('error', invalid.length, () => true, 5000)
    for (const e of errors) {
      const msg = typeof e === 'string' ? e : e?.message
      assert.equal(typeof msg, 'string', `error event carries a message: ${JSON.stringify(e)}`)
      assert.ok(msg.length > 0 && msg.length < 1000, `short error message: ${String(msg).slice(0, 200)}`)
    }

    // with an acknowledgement, the error message comes back in it
    const ackErr = await joinWithAck(s.socket, 'bogus')
    assert.equal(typeof ackErr, 'string', `ack of an invalid join: ${JSON.stringify(ackErr)}`)

    // nothing but s was ever announced to the listener
    await listener.rec.expectNone('ws-peer', (x) => idOf(x) !== s.id, 300)
    // s is still reachable under its first address
    await assertOfferArrives(listener, s)
  })

  it('hijack: a second socket joining a held peer id gets "already joined"; the holder keeps receiving', { timeout: 20000 }, async () => {
    const holder = await joinPeer(d, 'v4')
    const caller = await joinPeer(d, 'v3')
    const { socket, rec } = await connect('v4', d.url)
    socket.emit('ss-join', joinAddr(d.port, holder.id, { prefix: 'dns4' }))
    const err = await rec.waitFor('error', () => true, 4000)
    assert.match(typeof err === 'string' ? err : String(err?.message), /already joined/)
    await assertOfferArrives(caller, holder)
    await rec.expectNone('ws-handshake', () => true, 300)
    // the ack form says the same
    const ackErr = await joinWithAck(socket, joinAddr(d.port, holder.id), 4000)
    assert.match(String(ackErr), /already joined/)
    await assertOfferArrives(caller, holder)
  })

  it('takeover: a holder that stops answering pings is replaced by the newcomer', { timeout: 20000 }, async () => {
    const caller = await joinPeer(d, 'v4')
    const id = peerId()
    const holder = await rawConnect(d)
    assert.deepEqual(await holder.emitWithAck('ss-join', joinAddr(d.port, id)), [null])
    // the raw holder really holds the id
    const o1 = offer(caller, joinAddr(d.port, id))
    caller.socket.emit('ss-handshake', o1)
    await holder.waitEvent('ws-handshake', (x) => x?.intentId === o1.intentId)

    holder.freeze()
    const t0 = Date.now()
    const { socket, rec } = await connect('v4', d.url)
    const ack = await joinWithAck(socket, joinAddr(d.port, id), 5000)
    assert.equal(ack, null, `the newcomer's join was refused: ${JSON.stringify(ack)}`)
    // the frozen holder is disconnected
    await holder.waitClose(4000)
    // and offers now reach the newcomer
    const newcomer = { socket, rec, id, addr: joinAddr(d.port, id) }
    await eventually(async () => {
      const o = offer(caller, newcomer.addr)
      caller.socket.emit('ss-handshake', o)
      return newcomer.rec.waitFor('ws-handshake', (x) => x?.intentId === o.intentId, 300)
    }, { timeoutMs: 3000, what: 'offer reaching the newcomer' })
    const took = Date.now() - t0
    assert.ok(took < 3500, `takeover took ${took} ms (probe timeout 1 s)`)
    assert.deepEqual(rec.all('error'), [], 'the newcomer got no error')
  })

  it('an offer with a spoofed srcMultiaddr is dropped and counted', { timeout: 20000 }, async () => {
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const mallory = await joinPeer(d, 'v4')
    const before = await droppedSoFar(d)
    const spoofed = offer(a, b.addr) // srcMultiaddr is a's, sent by mallory
    mallory.socket.emit('ss-handshake', spoofed)
    // also from a socket that never joined
    const { socket: anon } = await connect('v4', d.url)
    anon.emit('ss-handshake', offer(a, b.addr))
    await b.rec.expectNone('ws-handshake', () => true, 500)
    await a.rec.expectNone('ws-handshake', () => true, 0)
    await mallory.rec.expectNone('ws-handshake', () => true, 0)
    await eventually(async () => (await droppedSoFar(d)) >= before + 2, { what: `${DROPPED} grows by 2` })
    await assertOfferArrives(a, b) // the real a still can
  })

  it('answers without a matching offer, and answers from the wrong socket, are dropped', { timeout: 20000 }, async () => {
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const mallory = await joinPeer(d, 'v4')
    const before = await droppedSoFar(d)

    // b answers an offer that was never made
    b.socket.emit('ss-handshake', answerTo(offer(a, b.addr)))
    await a.rec.expectNone('ws-handshake', () => true, 500)

    // a real offer a -> b, then mallory answers in b's name
    const o = offer(a, b.addr)
    a.socket.emit('ss-handshake', o)
    await b.rec.waitFor('ws-handshake', (x) => x?.intentId === o.intentId)
    mallory.socket.emit('ss-handshake', answerTo(o))
    // and b answers a different intent
    b.socket.emit('ss-handshake', answerTo(o, { intentId: 'not-' + o.intentId }))
    await a.rec.expectNone('ws-handshake', () => true, 500)
    await eventually(async () => (await droppedSoFar(d)) >= before + 3, { what: `${DROPPED} grows by 3` })

    // the real answer still goes through
    const ans = answerTo(o)
    b.socket.emit('ss-handshake', ans)
    assert.deepEqual(await a.rec.waitFor('ws-handshake', (x) => x?.intentId === o.intentId), ans)
  })

  it('ss-leave only removes the sender\'s own entry', { timeout: 20000 }, async () => {
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const other = await joinPeer(d, 'v2')
    const { socket: anon } = await connect('v4', d.url)
    anon.emit('ss-leave')
    anon.emit('ss-leave', a.addr)
    other.socket.emit('ss-leave', a.addr) // removes other, not a
    await eventuallyUnavailable(b, other.addr)
    await assertOfferArrives(b, a)
  })

  it('re-joining with a new peer id replaces the old one', { timeout: 20000 }, async () => {
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const newId = peerId()
    const newAddr = joinAddr(d.port, newId)
    assert.equal(await joinWithAck(a.socket, newAddr), null)
    await eventuallyUnavailable(b, a.addr)
    await assertOfferArrives(b, { ...a, id: newId, addr: newAddr })
    // the old id is free again for someone else
    const c = await joinPeer(d, 'v4', { id: a.id })
    await assertOfferArrives(b, c)
  })

  it('invalid handshake payloads are dropped and the server keeps serving', { timeout: 20000 }, async () => {
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const before = await droppedSoFar(d)
    const good = offer(a, b.addr)
    const { signal, ...noSignal } = good
    const { dstMultiaddr, ...noDst } = good
    const { srcMultiaddr, ...noSrc } = good
    const { intentId, ...noIntent } = good
    const bad = [
      null,
      1,
      'offer',
      [],
      [good],
      {},
      noSignal,
      noDst,
      noSrc,
      noIntent,
      { ...good, signal: 'a string' },
      { ...good, signal: null },
      { ...good, srcMultiaddr: 42 },
      { ...good, dstMultiaddr: ['x'] },
      { ...good, intentId: { x: 1 } }
    ]
    for (const p of bad) a.socket.emit('ss-handshake', p)
    a.socket.emit('ss-handshake') // no argument at all
    await b.rec.expectNone('ws-handshake', () => true, 500)
    await a.rec.expectNone('ws-handshake', () => true, 0)
    await eventually(async () => (await droppedSoFar(d)) >= before + bad.length, { what: `${DROPPED} grows by ${bad.length}` })
    assert.equal(a.socket.connected, true, 'the sender stays connected')
    await assertOfferArrives(a, b)
  })

  it('an oversized frame (2 MB) closes only that client (close 1009)', { timeout: 20000 }, async () => {
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v2')
    const big = await rawConnect(d)
    assert.deepEqual(await big.emitWithAck('ss-join', joinAddr(d.port)), [null])
    big.emit('ss-handshake', { ...offer(a, b.addr), signal: { sdp: 'x'.repeat(2 * 1024 * 1024) } })
    const closed = await big.waitClose(5000)
    assert.equal(closed.code, 1009)
    await b.rec.expectNone('ws-handshake', () => true, 200)
    await assertOfferArrives(a, b)
    await assertOfferArrives(b, a)
    assert.equal((await httpGet(`${d.url}/healthz`)).status, 200)
  })

  it('unknown events and binary packets do not disturb the server', { timeout: 20000 }, async () => {
    const a = await joinPeer(d, 'v4')
    const b = await joinPeer(d, 'v4')
    const r = await rawConnect(d)
    r.send('42["no-such-event",1,2,3]')
    r.send('451-["ss-handshake",{"_placeholder":true,"num":0}]')
    r.ws.send(Buffer.from([1, 2, 3]))
    r.send('42[') // broken JSON
    r.send('4') // empty Socket.IO packet
    await assertOfferArrives(a, b)
    assert.equal((await httpGet(`${d.url}/healthz`)).status, 200)
  })
})
