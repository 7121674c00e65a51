// The federation shell's behaviours, seen through the Waku engine as the Redis tests see them
// through Redis (tests/redis/faults.test.mjs): after nwaku comes back, a server re-announces its
// peers at once (not at the next presence snapshot), and both the crossing latency (an envelope's
// age on arrival) and the publish latency are recorded.
//
// Run from the repository root: node --test tests/waku/   (needs WEBRTC_STAR_SERVER_BIN)

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { startStandin, waitForMesh } from './lib/standin.mjs'
import { makeFederation } from './lib/federation-keys.mjs'
import { startDaemon, stopAllDaemons, freePort, httpGet, getMetrics, metricSum } from '../blackbox/lib/daemon.mjs'
import { joinPeer, closeAllClients, eventually } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 90000 }
// A presence snapshot only every minute: within these tests, only a join or the re-announce after
// a reconnect can tell B of A's peers.
const FEDERATION_ARGS = ['--backend', 'waku', '--waku-poll-interval', '50ms',
  '--federation-presence-interval', '60s', '--federation-peer-ttl', '180s']

const readyz = (d) => httpGet(`${d.url}/readyz`)
const metric = async (d, name) => metricSum(await getMetrics(d), name) ?? 0

describe('the Waku backend across an nwaku restart', () => {
  let fed, standinA, standinB, A, B
  const keyA = randomBytes(32).toString('hex')
  let standinArgsA

  before(async () => {
    standinArgsA = ['--rest-port', String(await freePort()), '--tcp-port', String(await freePort()), '--nodekey', keyA]
    standinA = await startStandin({ extraArgs: standinArgsA })
    standinB = await startStandin({ peers: [standinA.relayAddr] })
    await waitForMesh([standinA, standinB])
    fed = await makeFederation(['server-a', 'server-b'])
    A = await startDaemon([...FEDERATION_ARGS, ...fed.args('server-a'), '--waku-rest-url', standinA.restUrl])
    B = await startDaemon([...FEDERATION_ARGS, ...fed.args('server-b'), '--waku-rest-url', standinB.restUrl])
    await eventually(async () => (await readyz(A)).status === 200 && (await readyz(B)).status === 200,
      { timeoutMs: 15000, what: 'both servers ready' })
  })

  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await Promise.all([standinA?.stop(), standinB?.stop()])
    fed?.cleanup()
  })

  afterEach(() => closeAllClients())

  it('records how long envelopes took to cross and to be published', TIMEOUT, async () => {
    const a = await joinPeer(A)
    const b = await joinPeer(B)
    await b.rec.waitFor('ws-peer', (ma) => ma.endsWith(a.id), 5000)
    await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(b.id), 5000)
    for (const d of [A, B]) {
      assert.ok(await metric(d, 'webrtc_star_server_federation_crossing_latency_seconds_count') >= 1,
        'a received envelope was timed')
      assert.ok(await metric(d, 'webrtc_star_server_federation_publish_latency_seconds_count') >= 1,
        'a published envelope was timed')
    }
  })

  it('re-announces its peers once nwaku is back, including those that joined while it was away', TIMEOUT, async () => {
    const before = await joinPeer(A)
    const b = await joinPeer(B)
    await b.rec.waitFor('ws-peer', (ma) => ma.endsWith(before.id), 5000)
    const reconnects = await metric(A, 'webrtc_star_server_federation_reconnects_total')

    await standinA.stop()
    await eventually(async () => (await readyz(A)).status === 503, { timeoutMs: 5000, what: 'A degraded' })
    const late = await joinPeer(A)  // its join cannot go out now
    // The same nwaku identity and ports come back; its REST API says "initialising" until its relay
    // has had time to mesh with B's, so that what A publishes once subscribed reaches B.
    standinA = await startStandin({ peers: [standinB.relayAddr], extraArgs: [...standinArgsA, '--init-delay-ms', '2500'] })
    await waitForMesh([standinA, standinB])
    await eventually(async () => (await readyz(A)).status === 200, { timeoutMs: 15000, what: 'A ready again' })
    // Long before the next presence snapshot (a minute away): the re-announce.
    await b.rec.waitFor('ws-peer', (ma) => ma.endsWith(late.id), 5000)
    assert.ok(await metric(A, 'webrtc_star_server_federation_reconnects_total') > reconnects)
  })
})
