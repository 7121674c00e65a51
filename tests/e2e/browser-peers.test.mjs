// Real-client end-to-end tests in headless Chromium: libp2p 0.45 with the
// real @libp2p/webrtc-star@7 transport, bundled by esbuild, in pages of
// Debian's `chromium` (driven by playwright-core; no browser is downloaded).
// Two browser peers find each other through the signalling server and talk
// over WebRTC; a browser peer and a Node peer (@roamhq/wrtc) do the same.
//
// Against the reference server (@libp2p/webrtc-star-signalling-server@4, the
// control) and our daemon ($WEBRTC_STAR_SERVER_BIN, else build/server/...).
// Skipped when /usr/bin/chromium (or $E2E_CHROMIUM) is missing.
//
// Run from the repository root:  node --test tests/e2e/

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { skipUnlessRequired, inScope, starAddr, daemonBinary, depsInstalled } from './lib/harness.mjs'
import { exchangeBothWays } from './lib/scenarios.mjs'
import { chromiumAvailable, servePage, launchChromium, BrowserPeer, CHROMIUM } from './lib/browser.mjs'

const TEST_TIMEOUT = 120_000
const DISCOVERY_TIMEOUT = 15_000 // the reference tells newcomers about others only on refresh (10 s)

const noDeps = depsInstalled() ? false : 'tests/e2e dependencies missing: run `npm ci --prefix tests/e2e`'
const noBrowser = chromiumAvailable() ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`
const daemon = daemonBinary()

const SERVERS = [
  { kind: 'reference', skip: skipUnlessRequired(noDeps || noBrowser) },
  { kind: 'daemon', skip: skipUnlessRequired(noDeps || noBrowser || (daemon == null ? 'daemon not built and WEBRTC_STAR_SERVER_BIN unset' : false)) }
]

for (const { kind, skip } of SERVERS) {
  describe(`webrtc-star in Chromium against the ${kind} server`, { skip }, () => {
    it('two browser peers discover each other and exchange data both ways', { timeout: TEST_TIMEOUT }, async () => {
      await inScope(async (scope) => {
        const server = await scope.server(kind)
        const url = await servePage(scope)
        const browser = await launchChromium(scope)
        const a = await BrowserPeer.open(scope, browser, url, 'browser-A')
        const b = await BrowserPeer.open(scope, browser, url, 'browser-B')
        const prefix = starAddr('127.0.0.1', server.port)
        await a.start([prefix])
        await b.start([prefix])

        const maBforA = await a.waitForAnnounce(b.peerId, DISCOVERY_TIMEOUT)
        const maAforB = await b.waitForAnnounce(a.peerId, DISCOVERY_TIMEOUT)
        assert.equal(maBforA, `${prefix}/p2p/${b.peerId}`)
        assert.equal(maAforB, `${prefix}/p2p/${a.peerId}`)
        await exchangeBothWays(a, b, maBforA, maAforB)
      })
    })

    it('a browser peer and a Node peer discover each other and exchange data both ways', { timeout: TEST_TIMEOUT }, async () => {
      await inScope(async (scope) => {
        const server = await scope.server(kind)
        const url = await servePage(scope)
        const browser = await launchChromium(scope)
        const web = await BrowserPeer.open(scope, browser, url, 'browser')
        const node = scope.peer('node')
        const prefix = starAddr('127.0.0.1', server.port)
        await web.start([prefix])
        await node.start([prefix])

        const maNodeForWeb = await web.waitForAnnounce(node.peerId, DISCOVERY_TIMEOUT)
        const maWebForNode = await node.waitForAnnounce(web.peerId, DISCOVERY_TIMEOUT)
        await exchangeBothWays(web, node, maNodeForWeb, maWebForNode)
      })
    })

    it('a browser peer joined via localhost and a Node peer joined via 127.0.0.1 reach each other',
      { timeout: TEST_TIMEOUT, skip: kind === 'reference' ? 'the reference relays addresses verbatim (see node-peers.test.mjs)' : false },
      async () => {
        await inScope(async (scope) => {
          const server = await scope.server(kind)
          const url = await servePage(scope)
          const browser = await launchChromium(scope)
          const web = await BrowserPeer.open(scope, browser, url, 'browser')
          const node = scope.peer('node')
          await web.start([starAddr('localhost', server.port)])
          await node.start([starAddr('127.0.0.1', server.port)])

          const maNodeForWeb = await web.waitForAnnounce(node.peerId, DISCOVERY_TIMEOUT)
          const maWebForNode = await node.waitForAnnounce(web.peerId, DISCOVERY_TIMEOUT)
          assert.equal(maNodeForWeb, `${starAddr('localhost', server.port)}/p2p/${node.peerId}`)
          assert.equal(maWebForNode, `${starAddr('127.0.0.1', server.port)}/p2p/${web.peerId}`)
          await exchangeBothWays(web, node, maNodeForWeb, maWebForNode)
        })
      })
  })
}
