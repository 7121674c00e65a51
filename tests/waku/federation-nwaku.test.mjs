// The backend against nwaku's behaviours, through the stand-in that models them: a node still
// initialising, a node without relay peers, an old node that does not know `ephemeral`, and a
// wrong base path in --waku-rest-url. Each is seen in /readyz with its reason, and nothing
// retries ten times a second.
// Run from the repository root: node --test tests/waku/   (needs WEBRTC_STAR_SERVER_BIN)

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startStandin, waitForMesh } from './lib/standin.mjs'
import { makeFederation } from './lib/federation-keys.mjs'
import { newKey, presence, publish } from './lib/federation-envelopes.mjs'
import { startDaemon, stopAllDaemons, httpGet, readyz, metric } from '../lib/index.mjs'
import { joinPeer, joinAddr, offer, peerId, closeAllClients, eventually, sleep } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 90000 }
const standins = []

async function standin (opts) {
  const s = await startStandin(opts)
  standins.push(s)
  return s
}
// The daemon trusts server X, whose key the test holds and whose envelopes it seals with js-waku.
const serverX = newKey()
let fed
const federated = (restUrl, args = []) => startDaemon(['--backend', 'waku', '--waku-rest-url', restUrl, ...fed.args('d'), ...args])

// Server X's join of `peer`, published straight to nwaku as that server would.
async function remoteJoin (standin, peer) {
  await publish(standin, presence(serverX, 'join', [peer]), { signer: serverX })
}

describe('the waku backend against nwaku behaviours', () => {
  before(async () => { fed = await makeFederation(['d'], { extraTrusted: [[serverX.id, 'x']] }) })
  afterEach(async () => {
    closeAllClients()
    await stopAllDaemons()
    await Promise.all(standins.splice(0).map((s) => s.stop()))
  })
  after(() => { closeAllClients(); fed?.cleanup() })

  it('nwaku without relay peers: /readyz 503 with the reason, ready once it has a peer', TIMEOUT, async () => {
    const lonely = await standin()
    const d = await federated(lonely.restUrl)
    await eventually(async () => /No connected peers/.test((await readyz(d)).body),
      { timeoutMs: 10000, what: '/readyz naming the missing relay peers' })
    const r = await readyz(d)
    assert.equal(r.status, 503)
    assert.match(r.body, /nwaku relay is NOT_READY: No connected peers/)
    assert.equal((await httpGet(`${d.url}/healthz`)).status, 200)
    const friend = await standin({ peers: [lonely.relayAddr] })
    await waitForMesh([lonely, friend])
    await eventually(async () => (await readyz(d)).status === 200, { timeoutMs: 15000, what: 'ready with a relay peer' })
  })

  it('nwaku still initialising: /readyz 503 saying so, then ready by itself', TIMEOUT, async () => {
    const first = await standin()
    const late = await standin({ peers: [first.relayAddr], extraArgs: ['--init-delay-ms', '8000'] })
    const d = await federated(late.restUrl)
    await eventually(async () => /initiali[sz]/i.test((await readyz(d)).body),
      { timeoutMs: 5000, what: '/readyz saying nwaku is initialising' })
    assert.equal((await readyz(d)).status, 503)
    await eventually(async () => (await readyz(d)).status === 200, { timeoutMs: 25000, what: 'ready after initialisation' })
  })

  it('an nwaku older than v0.27 gets no `ephemeral` field, so its publishes succeed', TIMEOUT, async () => {
    const old = await standin({ extraArgs: ['--nwaku-version', 'v0.26.0'] })
    const d = await federated(old.restUrl)
    await eventually(async () => await metric(d, 'webrtc_star_server_federation_envelopes_published_total') >= 1,
      { timeoutMs: 10000, what: 'a presence envelope published' })
    await joinPeer(d)
    await eventually(async () => await metric(d, 'webrtc_star_server_federation_envelopes_published_total') >= 2,
      { timeoutMs: 5000, what: 'the join published' })
    assert.equal(await metric(d, 'webrtc_star_server_federation_envelopes_dropped_total', 'refused_by_nwaku'), 0)
    assert.match(d.stderr, /older than the oldest supported/)
  })

  it('a wrong base path in --waku-rest-url is a configuration error, retried slowly', TIMEOUT, async () => {
    const s = await standin()
    const d = await federated(`${s.restUrl}/api`)
    await eventually(async () => /configuration error/.test((await readyz(d)).body),
      { timeoutMs: 10000, what: '/readyz naming the configuration error' })
    assert.match((await readyz(d)).body, /--waku-rest-url/)
    const before = await metric(d, 'webrtc_star_server_federation_backend_errors_total')
    await sleep(4000)
    const errors = await metric(d, 'webrtc_star_server_federation_backend_errors_total') - before
    assert.ok(errors <= 2, `${errors} failing requests in 4 s`)
    assert.match(d.stderr, /configuration error/)
  })

  it('an envelope over --waku-max-message-size less its overhead is not sent; its dialer is told', TIMEOUT, async () => {
    const s = await standin()
    const d = await federated(s.restUrl, ['--waku-max-message-size', '16KiB'])
    await eventually(async () => /No connected peers/.test((await readyz(d)).body), { timeoutMs: 10000, what: 'subscribed' })
    const a = await joinPeer(d)
    const x = peerId()
    await remoteJoin(s, x)
    const toX = await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(x), 5000)
    const big = offer(a, toX, { signal: { type: 'offer', sdp: 'a'.repeat(15 * 1024) } })
    a.socket.emit('ss-handshake', big)
    const got = await a.rec.waitFor('ws-handshake', (h) => h.intentId === big.intentId, 3000)
    assert.equal(got.err, 'peer is not available')
    assert.ok(await metric(d, 'webrtc_star_server_federation_envelopes_dropped_total', 'too_large') >= 1)
    assert.ok(await metric(d, 'webrtc_star_server_federation_signals_total', 'given_up') >= 1)
    // A small one goes out.
    const before = await metric(d, 'webrtc_star_server_federation_signals_total', 'published')
    a.socket.emit('ss-handshake', offer(a, toX))
    await eventually(async () => await metric(d, 'webrtc_star_server_federation_signals_total', 'published') > before,
      { timeoutMs: 5000, what: 'the small offer published' })
    assert.equal(joinAddr(d.port, x), toX)
  })
})
