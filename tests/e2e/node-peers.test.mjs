// Real-client end-to-end tests: two libp2p nodes in Node.js, each using the
// real @libp2p/webrtc-star@7 transport (with @roamhq/wrtc as WebRTC), find each
// other through a signalling server and talk over a WebRTC data channel
// (noise + mplex, an echo protocol and libp2p's ping).
//
// Every scenario runs against
//   - the reference server, @libp2p/webrtc-star-signalling-server@4 from npm
//     (the control: a failure there means the client setup is at fault), and
//   - our daemon ($WEBRTC_STAR_SERVER_BIN, else build/server/webrtc-star-server).
//
// Run from the repository root:  node --test tests/e2e/
// (after `npm ci --prefix tests/e2e`). E2E_VERBOSE=1 streams all logs.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { skipUnlessRequired, inScope, starAddr, daemonBinary, depsInstalled, sleep } from './lib/harness.mjs'
import { exchangeBothWays, hangUpAndWait } from './lib/scenarios.mjs'

const TEST_TIMEOUT = 120_000
// The reference announces a newcomer to the peers already there at once, but
// tells the newcomer about them only on their next refresh (every 10 s), so
// discovery may take that long.
const DISCOVERY_TIMEOUT = 15_000

const noDeps = depsInstalled() ? false : 'tests/e2e dependencies missing: run `npm ci --prefix tests/e2e`'
const daemon = daemonBinary()

const SERVERS = [
  { kind: 'reference', skip: skipUnlessRequired(noDeps) },
  { kind: 'daemon', skip: skipUnlessRequired(noDeps || (daemon == null ? 'daemon not built and WEBRTC_STAR_SERVER_BIN unset' : false)) }
]

async function startPair (scope, server, hostA = '127.0.0.1', hostB = '127.0.0.1') {
  const a = scope.peer('A')
  const b = scope.peer('B')
  await a.start([starAddr(hostA, server.port)])
  const bJoinedAt = Date.now()
  await b.start([starAddr(hostB, server.port)])
  return { a, b, bJoinedAt }
}

for (const { kind, skip } of SERVERS) {
  describe(`webrtc-star with Node peers against the ${kind} server`, { skip }, () => {
    it('two peers joined via 127.0.0.1 discover each other and exchange data both ways', { timeout: TEST_TIMEOUT }, async () => {
      await inScope(async (scope) => {
        const server = await scope.server(kind)
        const { a, b, bJoinedAt } = await startPair(scope, server)
        const prefix = starAddr('127.0.0.1', server.port)

        const maBforA = await a.waitForAnnounce(b.peerId, DISCOVERY_TIMEOUT)
        const maAforB = await b.waitForAnnounce(a.peerId, DISCOVERY_TIMEOUT)
        assert.equal(maBforA, `${prefix}/p2p/${b.peerId}`)
        assert.equal(maAforB, `${prefix}/p2p/${a.peerId}`)
        if (kind === 'daemon') {
          // contract: the newcomer is told about the peers already joined at once
          const seen = b.events.find(e => e.event === 'ws-peer' && e.peerId === a.peerId)
          assert.ok(seen.t - bJoinedAt < 3000, `newcomer learnt of A after ${seen.t - bJoinedAt} ms`)
        }
        // nobody is told about itself
        assert.deepEqual(a.announcementsOf(a.peerId), [])
        assert.deepEqual(b.announcementsOf(b.peerId), [])

        await exchangeBothWays(a, b, maBforA, maAforB)
      })
    })

    it('peers joined via 127.0.0.1 and via localhost reach each other' +
      (kind === 'reference' ? ' (expected to fail with the reference)' : ''), { timeout: TEST_TIMEOUT }, async () => {
      await inScope(async (scope) => {
        const server = await scope.server(kind)
        const { a, b } = await startPair(scope, server, '127.0.0.1', 'localhost')
        const prefixA = starAddr('127.0.0.1', server.port) // /ip4/127.0.0.1/...
        const prefixB = starAddr('localhost', server.port) // /dns4/localhost/...

        const maBforA = await a.waitForAnnounce(b.peerId, DISCOVERY_TIMEOUT)
        const maAforB = await b.waitForAnnounce(a.peerId, DISCOVERY_TIMEOUT)

        if (kind === 'reference') {
          // The reference relays each peer's own joined address verbatim, so A
          // learns B under B's prefix (a signalling URL A is not connected to),
          // and it routes handshakes by the exact address string. Neither
          // direction can dial. This documents why our daemon rewrites.
          assert.equal(maBforA, `${prefixB}/p2p/${b.peerId}`)
          assert.equal(maAforB, `${prefixA}/p2p/${a.peerId}`)
          await assert.rejects(a.call('echo', { ma: maBforA, timeoutMs: 10_000 }),
            { code: 'ERR_UNKNOWN_SIGNAL_SERVER' },
            'A cannot dial B through a signalling URL it is not connected to')
          // even with the address rewritten on the client side, the reference
          // does not find B under A's prefix
          await assert.rejects(a.call('echo', { ma: `${prefixA}/p2p/${b.peerId}`, timeoutMs: 10_000 }),
            { code: 'ERR_SIGNALLING_FAILED', message: /peer is not available/ },
            'the reference routes handshakes by the full address string')
          return
        }

        // our daemon writes every announcement with the receiver's own prefix
        assert.equal(maBforA, `${prefixA}/p2p/${b.peerId}`)
        assert.equal(maAforB, `${prefixB}/p2p/${a.peerId}`)
        await exchangeBothWays(a, b, maBforA, maAforB)
      })
    })

    it('peers re-join by themselves after the server restarts on the same port and can dial again', { timeout: TEST_TIMEOUT }, async () => {
      await inScope(async (scope) => {
        const first = await scope.server(kind)
        const port = first.port
        const { a, b } = await startPair(scope, first)
        const maBforA = await a.waitForAnnounce(b.peerId, DISCOVERY_TIMEOUT)
        const maAforB = await b.waitForAnnounce(a.peerId, DISCOVERY_TIMEOUT)
        const before = await a.call('echo', { ma: maBforA, size: 4096 })
        assert.ok(before.equal)

        const ia = a.events.length
        const ib = b.events.length
        const status = await first.stop()
        if (kind === 'daemon') {
          assert.deepEqual(status, { code: 0, signal: null }, 'daemon exits 0 on SIGTERM')
        }
        await a.waitFor(e => e.event === 'sig-disconnect', 10_000, 'signalling disconnect', ia)
        await b.waitFor(e => e.event === 'sig-disconnect', 10_000, 'signalling disconnect', ib)
        assert.deepEqual(await a.call('dialable'), [], 'A has no signalling server while it is down')

        // same port again (bind may briefly fail while the old socket goes away)
        let second
        for (let attempt = 0; ; attempt++) {
          try {
            second = await scope.server(kind, { port })
            break
          } catch (err) {
            if (attempt >= 10) throw err
            await sleep(300)
          }
        }
        assert.equal(second.port, port)

        // socket.io-client reconnects with back-off (1 s, 2 s, ... 5 s max)
        await a.waitFor(e => e.event === 'sig-connect', 20_000, 'signalling reconnect', ia)
        await b.waitFor(e => e.event === 'sig-connect', 20_000, 'signalling reconnect', ib)
        // they re-joined: each is announced to the other again by the new server
        const maBagain = await a.waitForAnnounce(b.peerId, DISCOVERY_TIMEOUT, ia)
        const maAagain = await b.waitForAnnounce(a.peerId, DISCOVERY_TIMEOUT, ib)
        assert.equal(maBagain, maBforA)
        assert.equal(maAagain, maAforB)

        // the WebRTC connection made before the restart may well have survived
        // (it does not go through the server); drop it so the dials below need
        // the new server
        if ((await a.call('connections')).some(c => c.remotePeer === b.peerId)) {
          await hangUpAndWait(a, b, maBforA)
        }
        await exchangeBothWays(a, b, maBagain, maAagain)
      })
    })
  })
}
