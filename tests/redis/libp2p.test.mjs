// Real libp2p nodes (@libp2p/webrtc-star@7, tests/e2e's Node peers with node-webrtc) on two of our
// daemons sharing one real redis-server: each hears of the other and they open WebRTC connections
// both ways, every offer and answer crossing between the daemons through Redis.
//
// Needs `npm ci --prefix tests/e2e` and redis-server. Run from the repository root:
//   node --test tests/redis/libp2p.test.mjs

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { skipUnlessRequired, inScope, starAddr, depsInstalled, daemonBinary, until, isReady } from '../e2e/lib/harness.mjs'
import { exchangeBothWays } from '../e2e/lib/scenarios.mjs'
import { startRedis, skipWithoutRedis } from './lib/redis.mjs'
import { REDIS_ARGS } from './lib/cluster.mjs'

const skip = skipWithoutRedis() || skipUnlessRequired(
  (!depsInstalled() && 'tests/e2e dependencies missing: run `npm ci --prefix tests/e2e`') ||
  (daemonBinary() == null && 'daemon not built and WEBRTC_STAR_SERVER_BIN unset') || false)

describe('webrtc-star across two daemons on one Redis', { skip }, () => {
  it('a libp2p node on server A and one on server B discover each other and dial both ways', { timeout: 120_000 }, async () => {
    await inScope(async (scope) => {
      const redis = await startRedis()
      scope.defer(() => redis.stop())
      const servers = []
      for (const serverId of ['server-a', 'server-b']) {
        const s = await scope.server('daemon', { extraArgs: [...REDIS_ARGS, '--server-id', serverId, '--redis-url', redis.url] })
        s.serverId = serverId
        servers.push(s)
      }
      const [A, B] = servers
      await Promise.all(servers.map(s => until(() => isReady(s), 10_000, `${s.serverId} ready`)))
      const a = scope.peer('A')
      const b = scope.peer('B')
      const prefixA = starAddr('127.0.0.1', A.port)
      const prefixB = starAddr('127.0.0.1', B.port)
      await a.start([prefixA])
      await b.start([prefixB])
      const maBforA = await a.waitForAnnounce(b.peerId, 10_000)
      const maAforB = await b.waitForAnnounce(a.peerId, 10_000)
      assert.equal(maBforA, `${prefixA}/p2p/${b.peerId}`, 'A hears of B under server A\'s prefix')
      assert.equal(maAforB, `${prefixB}/p2p/${a.peerId}`, 'B hears of A under server B\'s prefix')
      const { echoAB, echoBA } = await exchangeBothWays(a, b, maBforA, maAforB)
      console.log(`# libp2p across two servers on Redis: echo A->B ${echoAB} ms, B->A ${echoBA} ms`)
    })
  })
})
