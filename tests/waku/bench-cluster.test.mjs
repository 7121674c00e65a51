// The load generator against a federated cluster: two daemons over Waku (the nwaku stand-in on a
// real js-waku relay mesh), clients spread over both URLs. Cross-server handshakes complete and
// are reported apart from same-server ones (with the memory backend they would all be "peer is
// not available": bench/tests/operator-test.sh checks that half).
// Run from the repository root: node --test tests/waku/   (needs WEBRTC_STAR_SERVER_BIN; the
// load generator is found beside it in the build tree, or at WEBRTC_STAR_BENCH_BIN)

import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startMeshedPair } from './lib/standin.mjs'
import { makeFederation } from './lib/federation-keys.mjs'
import { startDaemon, stopAllDaemons, serverBin, isReady as ready, eventually, skipUnlessRequired } from '../lib/index.mjs'

const benchBin = () => process.env.WEBRTC_STAR_BENCH_BIN ??
  path.join(path.dirname(serverBin()), '..', 'bench', 'webrtc-star-bench')

const federated = (name, standin) =>
  startDaemon(['--backend', 'waku', ...fed.args(name), '--waku-rest-url', standin.restUrl])
let fed

function runBench (args, timeoutMs) {
  return new Promise((resolve) => {
    execFile(benchBin(), args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 'killed') : 0, stdout, stderr }))
  })
}

describe('webrtc-star-bench against two federated servers', { skip: skipUnlessRequired(!existsSync(benchBin()) && 'no webrtc-star-bench built (set WEBRTC_STAR_BENCH_BIN)') }, () => {
  let standinA, standinB, A, B, work

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'bench-cluster-'));
    [standinA, standinB] = await startMeshedPair()
    fed = await makeFederation(['server-a', 'server-b'])
    A = await federated('server-a', standinA)
    B = await federated('server-b', standinB)
    await eventually(async () => await ready(A) && await ready(B), { timeoutMs: 20000, what: 'both servers ready' })
  })

  after(async () => {
    await stopAllDaemons()
    await Promise.all([standinA?.stop(), standinB?.stop()])
    fed?.cleanup()
    rmSync(work, { recursive: true, force: true })
  })

  it('cross-server handshakes complete and are reported apart', { timeout: 90000 }, async () => {
    const report = path.join(work, 'cluster')
    // 3 s of settling lets each server's joins reach the other (coalesced, then polled).
    const run = await runBench(['--url', `ws://127.0.0.1:${A.port}/socket.io-next/`,
      '--url', `ws://127.0.0.1:${B.port}/socket.io/`, '--eio', 'mix', '--clients', '20', '--rate', '10',
      '--duration', '4s', '--settle', '3s', '--drain', '3s', '--report', report, '--quiet'], 60000)
    assert.equal(run.code, 0, `bench exit ${run.code}: ${run.stderr}`)
    const servers = JSON.parse(readFileSync(`${report}.json`, 'utf8')).phases[0].servers
    const cross = servers.cross_server
    console.log(`# cross-server: ${JSON.stringify(cross)}`)
    assert.ok(cross.offers_sent >= 10, `cross-server offers sent: ${cross.offers_sent}`)
    assert.equal(cross.peer_not_available, 0, 'no cross-server offer refused')
    assert.equal(cross.completed, cross.offers_sent, `cross-server: ${JSON.stringify(cross)}`)
    assert.equal(servers.same_server.completed, servers.same_server.offers_sent, 'same-server handshakes complete')
  })
})
