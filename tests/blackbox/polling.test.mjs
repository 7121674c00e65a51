// Real socket.io-client v2, v3 and v4 over Engine.IO long-polling: at their default transports
// (polling first, then the upgrade to WebSocket) and with polling only (never upgraded), on
// both paths, signalling with WebSocket-only peers; heartbeats and reconnection over polling.

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, stopAllDaemons, metricSum } from './lib/daemon.mjs'
import {
  VERSIONS, PATHS, joinPeer, joinAddr, joinWithAck, offer, answerTo, idOf, eventually, sleep,
  createClient, Recorder, closeAllClients, peerId
} from './lib/clients.mjs'
import { PollingClient } from './lib/polling.mjs'

const DEFAULT_TRANSPORTS = { transports: ['polling', 'websocket'] }
const POLLING_ONLY = { transports: ['polling'] }

function transportOf (socket) {
  return socket.io.engine.transport.name
}

/** a and b (one of them WebSocket-only) see each other and exchange an offer and its answer. */
async function assertSignalling (a, b) {
  assert.equal(await a.rec.waitFor('ws-peer', (x) => idOf(x) === b.id, 5000), b.addr)
  assert.equal(await b.rec.waitFor('ws-peer', (x) => idOf(x) === a.id, 5000), a.addr)
  const off = offer(a, b.addr)
  a.socket.emit('ss-handshake', off)
  assert.deepEqual(await b.rec.waitFor('ws-handshake', (x) => x?.intentId === off.intentId, 5000), off)
  const ans = answerTo(off)
  b.socket.emit('ss-handshake', ans)
  assert.deepEqual(await a.rec.waitFor('ws-handshake', (x) => x?.intentId === off.intentId && x.answer, 5000), ans)
}

describe('socket.io clients over long-polling', () => {
  let d
  before(async () => { d = await startDaemon(['--ping-interval', '1s', '--ping-timeout', '2s']) })
  afterEach(() => { closeAllClients() })
  after(async () => { closeAllClients(); await stopAllDaemons() })

  for (const version of VERSIONS) {
    for (const path of PATHS) {
      it(`${version} on ${path} at its default transports: polling, upgrade, join, signalling with a WebSocket peer`, { timeout: 20000 }, async () => {
        const a = await joinPeer(d, version, { path, extra: DEFAULT_TRANSPORTS })
        await eventually(async () => transportOf(a.socket) === 'websocket', { timeoutMs: 5000, what: 'upgraded to websocket' })
        const b = await joinPeer(d, 'v4', { path })
        await assertSignalling(a, b)
      })

      it(`${version} on ${path} with polling only: join, signalling, heartbeats`, { timeout: 20000 }, async () => {
        const a = await joinPeer(d, version, { path, extra: POLLING_ONLY })
        const b = await joinPeer(d, version === 'v2' ? 'v4' : 'v2', { path })
        await assertSignalling(a, b)
        // several ping intervals (1 s) later the polling client is still there and reachable
        await sleep(3500)
        assert.equal(transportOf(a.socket), 'polling')
        assert.ok(a.socket.connected)
        await assertSignalling(b, a)
      })
    }
  }

  // A joining peer hears of the others in one run laid out as WebSocket frames (the announcer
  // builds it once for any transport); over polling it must come apart packet by packet again,
  // in each Engine.IO version's payload framing.
  it('a polling-only client hears of several peers at its join, each as its own ws-peer', { timeout: 20000 }, async () => {
    for (const version of VERSIONS) {
      const others = []
      for (let i = 0; i < 3; i++) others.push(await joinPeer(d, 'v4'))
      const c = await joinPeer(d, version, { extra: POLLING_ONLY })
      const heard = await c.rec.waitCount('ws-peer', 3, (x) => others.some(o => o.id === idOf(x)), 5000)
      assert.deepEqual([...heard].sort(), others.map(o => o.addr).sort())
      assert.equal(transportOf(c.socket), 'polling')
      for (const addr of c.rec.all('ws-peer')) assert.match(addr, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p-webrtc-star\/p2p\/\w+$/)
      closeAllClients()
    }
  })

  it('a polling client reconnects (new session) when the server ends its session', { timeout: 30000 }, async () => {
    for (const version of VERSIONS) {
      const socket = createClient(version, d.url, { extra: { ...POLLING_ONLY, reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 } })
      const rec = new Recorder(socket, ['ws-peer', 'ws-handshake', 'disconnect', 'connect'])
      await rec.waitFor('connect', () => true, 5000)
      const sid = socket.io.engine.id
      // end the session from outside: a malformed payload for its sid closes it (engine.io does the same)
      const intruder = new PollingClient(d)
      intruder.sid = sid
      assert.equal((await intruder.post('abc')).status, 400)
      await rec.waitFor('disconnect', () => true, 5000)
      await rec.waitCount('connect', 2, () => true, 10000)
      assert.notEqual(socket.io.engine.id, sid)
      const id = peerId()
      assert.equal(await joinWithAck(socket, joinAddr(d.port, id)), null)
      const b = await joinPeer(d, 'v4')
      assert.equal(await b.rec.waitFor('ws-peer', (x) => idOf(x) === id, 5000), joinAddr(d.port, id))
      socket.close()
    }
  })

  it('metrics count polling sessions and upgrades', async () => {
    const text = await (await fetch(`${d.url}/metrics`)).text()
    assert.ok(metricSum(text, 'webrtc_star_server_polling_sessions_total') >= 12)
    assert.ok(metricSum(text, 'webrtc_star_server_polling_upgrades_total') >= 6)
  })
})
