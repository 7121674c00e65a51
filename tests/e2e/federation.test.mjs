// Real-client end-to-end tests across two federated daemons: server A and
// server B run our daemon with the Waku backend, each through its own nwaku
// stand-in (tests/waku/nwaku-standin.mjs: a real js-waku relay node behind
// nwaku's relay REST API), the two stand-ins meshed over Waku relay. A peer on
// A and a peer on B (real @libp2p/webrtc-star@7 clients) find each other and
// connect over WebRTC, the offers and answers crossing between the daemons
// through Waku:
//   - a Node peer on A and a Node peer on B;
//   - a browser page on A and a browser page on B (headless Chromium).
//
// Needs `npm ci --prefix tests/e2e` and `npm ci --prefix tests/waku`, our
// daemon ($WEBRTC_STAR_SERVER_BIN, else build/server/webrtc-star-server) and,
// for the browser test, Chromium. Run from the repository root:
//   node --test tests/e2e/federation.test.mjs

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { skipUnlessRequired, inScope, starAddr, daemonBinary, depsInstalled, wakuDepsInstalled } from './lib/harness.mjs'
import { exchangeBothWays } from './lib/scenarios.mjs'
import { chromiumAvailable, servePage, launchChromium, BrowserPeer, CHROMIUM } from './lib/browser.mjs'

const TEST_TIMEOUT = 120_000
// Announcements across servers are expected within 3 s (asserted below); this
// only bounds the wait.
const DISCOVERY_TIMEOUT = 10_000

const missing = (!depsInstalled() && 'tests/e2e dependencies missing: run `npm ci --prefix tests/e2e`') ||
  (!wakuDepsInstalled() && 'nwaku stand-in dependencies missing: run `npm ci --prefix tests/waku`') ||
  (daemonBinary() == null && 'daemon not built and WEBRTC_STAR_SERVER_BIN unset')
const skipNode = skipUnlessRequired(missing || false)
const skipBrowser = skipUnlessRequired(missing || (!chromiumAvailable() && `no Chromium at ${CHROMIUM} (apt-get install chromium)`))

/**
 * a (joined to server A) and b (joined to server B) must each be told of the
 * other under their own server's prefix, never of themselves; then A dials B
 * and B dials A, exchanging data both ways.
 */
async function discoverAndDialAcross (A, B, a, b) {
  const prefixA = starAddr('127.0.0.1', A.port)
  const prefixB = starAddr('127.0.0.1', B.port)
  await a.start([prefixA])
  const bJoinedAt = Date.now()
  await b.start([prefixB])

  const maBforA = await a.waitForAnnounce(b.peerId, DISCOVERY_TIMEOUT)
  const maAforB = await b.waitForAnnounce(a.peerId, DISCOVERY_TIMEOUT)
  // contract, as on one server: B's join reaches A through Waku at once, and
  // the newcomer B is told at once of A, which server B knows as a remote peer
  for (const [who, of] of [[a, b], [b, a]]) {
    const seen = who.events.find(e => e.event === 'ws-peer' && e.peerId === of.peerId)
    assert.ok(seen.t - bJoinedAt < 3000, `${who.name} learnt of ${of.name} ${seen.t - bJoinedAt} ms after ${b.name} joined`)
  }
  assert.equal(maBforA, `${prefixA}/p2p/${b.peerId}`, `${a.name} hears of ${b.name} under server A's prefix`)
  assert.equal(maAforB, `${prefixB}/p2p/${a.peerId}`, `${b.name} hears of ${a.name} under server B's prefix`)
  assert.deepEqual(a.announcementsOf(a.peerId), [], 'nobody is told about itself')
  assert.deepEqual(b.announcementsOf(b.peerId), [], 'nobody is told about itself')

  // A dials B (offer A -> server A -> Waku -> server B -> B, answer back),
  // echo and ping; hang up; B dials A the same way
  return exchangeBothWays(a, b, maBforA, maAforB)
}

describe('webrtc-star across two daemons federated over Waku relay', () => {
  it('a Node peer on server A and a Node peer on server B discover each other and dial both ways',
    { timeout: TEST_TIMEOUT, skip: skipNode }, async () => {
      await inScope(async (scope) => {
        const [A, B] = await scope.federation()
        await discoverAndDialAcross(A, B, scope.peer('A'), scope.peer('B'))
      })
    })

  it('a browser peer on server A and a browser peer on server B discover each other and dial both ways',
    { timeout: TEST_TIMEOUT, skip: skipBrowser }, async () => {
      await inScope(async (scope) => {
        const [A, B] = await scope.federation()
        const url = await servePage(scope)
        const browser = await launchChromium(scope)
        // separate browser contexts: nothing shared between the two pages
        const a = await BrowserPeer.open(scope, browser, url, 'browser-A')
        const b = await BrowserPeer.open(scope, browser, url, 'browser-B')
        await discoverAndDialAcross(A, B, a, b)
      })
    })
})
