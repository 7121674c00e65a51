// A handshake that arrives from another server is checked exactly as a local ss-handshake is,
// and counted the same way. One daemon with its nwaku stand-in; the test plays another server of
// the federation ("server-x", a key in the daemon's trust list) by publishing envelopes it seals
// and signs itself (js-waku's @waku/message-encryption) on the same relay: what a trusted server
// sends is believed, and must still pass the local checks.
// Run from the repository root: node --test tests/waku/   (needs WEBRTC_STAR_SERVER_BIN)

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startStandin } from './lib/standin.mjs'
import { makeFederation } from './lib/federation-keys.mjs'
import { newKey, presence, signal as signalEnvelope, publish } from './lib/federation-envelopes.mjs'
import { startDaemon, stopAllDaemons, metric } from '../lib/index.mjs'
import { joinPeer, joinAddr, peerId, offer, answerTo, closeClient, closeAllClients, eventually } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 60000 }
const MAX_MESSAGE = 20000
const other = newKey()  // server-x: trusted by the daemon
let fed

const announce = (standin, id) => publish(standin, presence(other, 'join', [id]), { signer: other })
const signal = (standin, payload, { src, dst }) => {
  const to = fed.publicKey('s')
  return publish(standin, signalEnvelope(other, to, { src, dst, intent: payload.intentId, answer: payload.answer === true, payload }),
    { signer: other, to })
}

const dials = async (d) => ({
  total: await metric(d, 'webrtc_star_dials_total'),
  failure: await metric(d, 'webrtc_star_dials_total_failure'),
  peerGone: await metric(d, 'webrtc_star_server_messages_dropped_total', 'peer_gone')
})

describe('handshakes from another server pass the local checks', () => {
  let standin, S

  before(async () => {
    fed = await makeFederation(['s'], { extraTrusted: [[other.id, 'server-x']] })
    standin = await startStandin()
    S = await startDaemon(['--backend', 'waku', ...fed.args('s'), '--waku-rest-url', standin.restUrl,
      '--waku-poll-interval', '50ms', '--max-message-size', String(MAX_MESSAGE)])
  })
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await standin?.stop()
    fed?.cleanup()
  })
  afterEach(() => closeAllClients())

  it('an offer with no signal object, or too large, is dropped and counted; a good one goes through', TIMEOUT, async () => {
    const local = await joinPeer(S)
    const remoteId = peerId()
    const remote = { addr: joinAddr(S.port, remoteId) }
    await announce(standin, remoteId)
    await local.rec.waitFor('ws-peer', (ma) => ma.endsWith(remoteId), 5000)
    const route = { src: remoteId, dst: local.id }
    const before = await dials(S)

    const noSignalObject = offer(remote, local.addr, { signal: 'offer' })
    const noSignal = offer(remote, local.addr)
    delete noSignal.signal
    const oversized = offer(remote, local.addr, { signal: { type: 'offer', sdp: 'v'.repeat(MAX_MESSAGE) } })
    for (const bad of [noSignalObject, noSignal, oversized]) await signal(standin, bad, route)
    const good = offer(remote, local.addr)
    await signal(standin, good, route)

    const got = await local.rec.waitFor('ws-handshake', (h) => h.intentId === good.intentId, 5000)
    assert.deepEqual(got, good, 'the good offer arrives unchanged')
    await eventually(async () => await metric(S, 'webrtc_star_server_messages_dropped_total', 'too_big') === 1,
      { timeoutMs: 5000, what: 'the oversized offer counted' })
    assert.equal(await metric(S, 'webrtc_star_server_messages_dropped_total', 'handshake_bad_signal'), 1)
    assert.equal(await metric(S, 'webrtc_star_server_messages_dropped_total', 'handshake_missing_field'), 1)
    const after = await dials(S)
    assert.equal(after.total - before.total, 4, 'every remote handshake is a dial, as a local one')
    assert.equal(after.failure - before.failure, 3, 'each invalid one a failed dial, as a local one')
    for (const bad of [noSignalObject, noSignal, oversized]) {
      await local.rec.expectNone('ws-handshake', (h) => h.intentId === bad.intentId, 10)
    }
    // The listener is still connected and still answers: nothing reached it that could break it.
    local.socket.emit('ss-handshake', answerTo(got))
    await eventually(async () => (await dials(S)).total === after.total + 1, { timeoutMs: 3000, what: 'the answer counted' })
  })

  it('an answer whose offerer is gone is a failed dial, from another server as from here', TIMEOUT, async () => {
    const remoteId = peerId()
    await announce(standin, remoteId)
    const offerer = await joinPeer(S)
    const callee = await joinPeer(S)
    await offerer.rec.waitFor('ws-peer', (ma) => ma.endsWith(remoteId), 5000)
    await offerer.rec.waitFor('ws-peer', (ma) => ma.endsWith(callee.id), 5000)

    // Both offers are sent while the offerer is here; then it leaves before either answer.
    const toRemote = offer(offerer, joinAddr(S.port, remoteId))
    const toLocal = offer(offerer, callee.addr)
    offerer.socket.emit('ss-handshake', toRemote)
    offerer.socket.emit('ss-handshake', toLocal)
    const seen = await callee.rec.waitFor('ws-handshake', (h) => h.intentId === toLocal.intentId, 5000)
    await eventually(async () => await metric(S, 'webrtc_star_server_federation_signals_total', 'published') >= 1,
      { timeoutMs: 5000, what: 'the offer to the remote peer published' })
    closeClient(offerer.socket)
    await eventually(async () => await metric(S, 'webrtc_star_peers') === 1, { timeoutMs: 5000, what: 'the offerer gone' })

    const beforeLocal = await dials(S)
    callee.socket.emit('ss-handshake', answerTo(seen))
    await eventually(async () => (await dials(S)).failure === beforeLocal.failure + 1,
      { timeoutMs: 5000, what: 'the local answer counted as a failed dial' })
    const afterLocal = await dials(S)
    assert.equal(afterLocal.peerGone, beforeLocal.peerGone + 1)

    await signal(standin, answerTo(toRemote), { src: offerer.id, dst: remoteId })
    await eventually(async () => (await dials(S)).failure === afterLocal.failure + 1,
      { timeoutMs: 5000, what: 'the remote answer counted as a failed dial' })
    const afterRemote = await dials(S)
    assert.equal(afterRemote.peerGone, afterLocal.peerGone + 1, 'and dropped as peer_gone, as the local one')
    assert.equal(afterRemote.total, afterLocal.total + 1)
  })
})
