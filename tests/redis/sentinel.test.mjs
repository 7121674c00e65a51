// Redis Sentinel, black-box: a master, its replica and three Sentinels (real processes, Sentinel
// down-after 1 s), three daemons that find the master through the Sentinels. While dials cross
// between every pair of servers without pause, the master is paused (SIGSTOP), then the new master
// is killed (SIGKILL): every server must follow each failover by itself, keep every peer it knew,
// and the window is measured and printed (how long dials failed, how many). Last, the Sentinel every
// server watches is stopped: none of them reconnects.

import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { skipWithoutRedis } from './lib/redis.mjs'
import { startSentinelGroup, cli, MASTER_NAME } from './lib/sentinel.mjs'
import { redisDaemon, readyz, waitReady, metricOf } from './lib/cluster.mjs'
import { dialPair, dial, keepDialling } from './lib/dials.mjs'
import { stopAllDaemons } from '../lib/index.mjs'
import { closeAllClients, eventually, sleep } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 60000 }
const skip = skipWithoutRedis()
const FAILOVERS = 'webrtc_star_server_redis_failovers_total'
const REMOTE_PEERS = 'webrtc_star_server_remote_peers'

/** The failed dials' figures: how many, from the first to the last failure after the fault. */
function windowOf (results, faultAt) {
  const failed = results.filter((r) => !r.ok && r.at >= faultAt - 2000)
  const ends = failed.map((r) => r.at + r.ms)
  return {
    dials: results.length,
    failed: failed.length,
    windowMs: failed.length ? Math.round(Math.max(...ends) - Math.min(...failed.map((r) => r.at))) : 0,
    firstFailAfterFaultMs: failed.length ? Math.min(...failed.map((r) => r.at)) - faultAt : null,
    reasons: [...new Set(failed.map((r) => r.err))]
  }
}

describe('Redis Sentinel: every server follows a failover', { skip }, () => {
  let group, servers, pairs

  before(async () => {
    group = await startSentinelGroup()
    const args = ['--redis-sentinels', group.list, '--redis-master-name', MASTER_NAME]
    servers = []
    for (const id of ['server-a', 'server-b', 'server-c']) {
      // The URL's host is not used with Sentinels (port 1: nothing listens there).
      servers.push(await redisDaemon(group.master, id, { url: 'redis://127.0.0.1:1/0', extraArgs: args }))
    }
    await waitReady(servers)
    const [A, B, C] = servers
    pairs = [await dialPair(A, B), await dialPair(B, C), await dialPair(C, A)]
  })
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await group?.stop()
  })

  async function failover (fault, what) {
    const before = await Promise.all(servers.map((d) => metricOf(d, FAILOVERS)))
    const oldMaster = group.masterPort()
    const flow = keepDialling(pairs)
    await sleep(1500)
    const faultAt = Date.now()
    await fault()
    await eventually(async () => group.masterPort() !== oldMaster, { timeoutMs: 20000, what: 'Sentinel elected a new master' })
    const electedMs = Date.now() - faultAt
    for (const [i, d] of servers.entries()) {
      await eventually(async () => await metricOf(d, FAILOVERS) > before[i] && (await readyz(d)).status === 200,
        { timeoutMs: 20000, what: `${d.serverId} follows the failover` })
    }
    const followedMs = Date.now() - faultAt
    await sleep(2000)  // and dials flow again
    const results = await flow.stop()
    const figures = { what, electedMs, allFollowedMs: followedMs, ...windowOf(results, faultAt) }
    console.log(`# failover (${what}): ${JSON.stringify(figures)}`)
    // Everything after the window works, and no peer was forgotten.
    const tail = results.filter((r) => r.at > faultAt + followedMs)
    assert.ok(tail.length > 0 && tail.every((r) => r.ok), `dials after every server followed: ${JSON.stringify(tail.filter((r) => !r.ok))}`)
    for (const pair of pairs) assert.ok((await dial(pair)).ok, `${pair.label} dials after the failover`)
    for (const d of servers) assert.equal(await metricOf(d, REMOTE_PEERS), 4, `${d.serverId} still knows the 4 peers of the others`)
    return figures
  }

  it('the master paused (SIGSTOP): Sentinel switches, every server follows', TIMEOUT, async () => {
    const paused = group.master
    const figures = await failover(async () => paused.pause(), 'SIGSTOP of the master')
    assert.ok(figures.windowMs < 15000, `window ${figures.windowMs} ms`)
    paused.resume()  // back, and Sentinel makes it a replica of the new master
    await eventually(async () => cli(paused.port, 'ROLE')[0] === 'slave' && cli(paused.port, 'ROLE')[3] === 'connected',
      { timeoutMs: 30000, what: 'the old master is a replica in sync' })
  })

  it('the new master killed (SIGKILL): Sentinel switches back, every server follows', TIMEOUT, async () => {
    // Sentinel does not fail the same master over again within twice failover-timeout (2 s).
    await sleep(4500)
    const figures = await failover(async () => group.replica.kill(), 'SIGKILL of the master')
    assert.ok(figures.windowMs < 15000, `window ${figures.windowMs} ms`)
  })

  it('the watched Sentinel stopped: no server reconnects; each watches another', TIMEOUT, async () => {
    const RECONNECTS = 'webrtc_star_server_federation_reconnects_total'
    const before = await Promise.all(servers.map((d) => metricOf(d, RECONNECTS)))
    await group.sentinels[0].stop()  // the first of --redis-sentinels: the one every server watches
    await sleep(3000)
    for (const [i, d] of servers.entries()) {
      assert.equal(await metricOf(d, RECONNECTS), before[i], `${d.serverId} kept its connections`)
      assert.equal((await readyz(d)).status, 200)
    }
    for (const pair of pairs) assert.ok((await dial(pair)).ok, `${pair.label} dials`)
  })
})
