// Graceful shutdown: SIGTERM with clients connected.

import { describe, it, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, stopAllDaemons } from './lib/daemon.mjs'
import { joinPeer, sleep, closeAllClients } from './lib/clients.mjs'
import { rawConnect, closeAllRaw } from './lib/raw.mjs'

const TRANSPORT_CLOSE = ['transport close', 'transport error']

describe('shutdown', () => {
  afterEach(() => { closeAllClients(); closeAllRaw() })
  after(async () => { closeAllClients(); closeAllRaw(); await stopAllDaemons() })

  it('SIGTERM with v2, v3, v4 and raw clients connected: exit 0 within 6 s, clients see a transport close', { timeout: 20000 }, async () => {
    const d = await startDaemon()
    const peers = [
      await joinPeer(d, 'v2'),
      await joinPeer(d, 'v3', { path: '/socket.io-next' }),
      await joinPeer(d, 'v4'),
      await joinPeer(d, 'v4', { path: '/socket.io-next' })
    ]
    const raw = await rawConnect(d)
    await sleep(100)
    const disconnects = peers.map((p) => p.rec.waitFor('disconnect', () => true, 7000))

    const res = await d.stop()
    assert.equal(res.code, 0, `exit code; stderr:\n${d.stderr}`)
    assert.equal(res.signal, null, 'the daemon was not killed')
    assert.ok(res.elapsedMs < 6000, `exit took ${res.elapsedMs} ms`)

    const reasons = await Promise.all(disconnects)
    for (const [i, reason] of reasons.entries()) {
      assert.ok(TRANSPORT_CLOSE.includes(reason), `${peers[i].version} client disconnect reason: ${JSON.stringify(reason)} (not 'io server disconnect')`)
    }
    const closed = await raw.waitClose(3000)
    assert.equal(closed.code, 1001, 'WebSocket close code')
    // no Socket.IO DISCONNECT packet ("41") was sent before the close
    assert.ok(!raw.frames.some((f) => typeof f === 'string' && f.startsWith('41')), `frames: ${JSON.stringify(raw.frames)}`)
  })

  it('SIGTERM with no clients: exit 0 quickly', { timeout: 15000 }, async () => {
    const d = await startDaemon()
    await sleep(200)
    const res = await d.stop()
    assert.equal(res.code, 0, `signal ${res.signal}; stderr:\n${d.stderr}`)
    assert.ok(res.elapsedMs < 2000, `exit took ${res.elapsedMs} ms`)
  })

  it('SIGTERM right after the "listening on" line: exit 0 (5 tries)', { timeout: 30000 }, async () => {
    // a supervisor may stop the daemon as soon as it reports ready
    for (let i = 0; i < 5; i++) {
      const d = await startDaemon()
      const res = await d.stop()
      assert.equal(res.code, 0, `try ${i + 1}: exit code ${res.code}, signal ${res.signal}: the SIGTERM arrived before the daemon handled it; stderr:\n${d.stderr}`)
    }
  })

  it('--shutdown-timeout 1s: exit 0 within about a second even with clients', { timeout: 15000 }, async () => {
    const d = await startDaemon(['--shutdown-timeout', '1s'])
    await joinPeer(d, 'v4')
    const frozen = await rawConnect(d)
    frozen.freeze({ stopReading: true })
    const res = await d.stop()
    assert.equal(res.code, 0, d.stderr)
    assert.ok(res.elapsedMs < 2500, `exit took ${res.elapsedMs} ms`)
  })
})
