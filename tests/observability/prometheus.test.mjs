// The dashboard and the alert rules against a real Prometheus (Debian's) scraping real daemons: a
// two-server Redis cluster (A, B, on a real redis-server) under the load generator, and a single
// memory-backend server (M). Every dashboard query must return data under load; then each alert is
// provoked by the scenario made for it, must fire, and every alert must clear once the scenarios end.
// Prometheus scrapes and evaluates every second; the rules' windows are shortened (lib/prometheus.mjs,
// shortRules) but their thresholds are the shipped ones. About two and a half minutes.

import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { startDaemon, stopAllDaemons, freePort } from '../blackbox/lib/daemon.mjs'
import { connect, joinPeer, joinAddr, joinWithAck, offer, peerId, sleep, eventually, closeAllClients } from '../blackbox/lib/clients.mjs'
import { upgrade, until, texts, clientFrame, frameHeader, mask, destroyAllWire, wireJoin } from '../blackbox/lib/wire.mjs'
import { startRedis, skipWithoutRedis } from '../redis/lib/redis.mjs'
import { redisDaemon, waitReady, REDIS_ARGS } from '../redis/lib/cluster.mjs'
import { Prometheus, CHECK_DASHBOARD, RENDER_DASHBOARD, skipWithoutPrometheus } from './lib/prometheus.mjs'

const skip = skipWithoutRedis() || skipWithoutPrometheus() || (!process.env.WEBRTC_STAR_BENCH_BIN && 'WEBRTC_STAR_BENCH_BIN is not set')
const hostOf = (d) => `127.0.0.1:${d.port}`

/** Every alert seen firing (name and instance), with when; polled every 500 ms until stop(). */
function alertWatcher (prom) {
  const seen = new Map()
  let firingNow = []
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      try {
        firingNow = await prom.firing()
        for (const a of firingNow) if (!seen.has(a)) seen.set(a, Date.now())
      } catch {}
      await sleep(500)
    }
  })()
  return {
    seen,
    get firingNow () { return firingNow },
    async waitFor (alert, instance, timeoutMs = 30000) {
      const key = `${alert} ${instance}`
      await eventually(async () => seen.has(key), { timeoutMs, everyMs: 250, what: `${key} firing (seen: ${[...seen.keys()].join(', ')})` })
    },
    async stop () { stopped = true; await loop }
  }
}

function runBench (urls, { clients, rate, duration }) {
  const args = urls.flatMap((u) => ['-u', `ws://${u}/socket.io-next/`])
  const child = spawn(process.env.WEBRTC_STAR_BENCH_BIN, [...args, '-n', String(clients), '-r', String(rate), '-d', duration,
    '--progress', 'none', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  return { child, done: once(child, 'exit').then(([code]) => ({ code, out })) }
}

// Server B on a port of its own choosing, so that it can be started again where Prometheus scrapes it.
async function startB (redis, port) {
  const d = await startDaemon([], { args: ['--host', '127.0.0.1', '--port', String(port), ...REDIS_ARGS, '--server-id', 'star-b', '--redis-url', redis.url] })
  d.serverId = 'star-b'
  return d
}

describe('dashboard and alerts against a real Prometheus', { skip }, () => {
  let redis, A, B, M, S, prom, watch, loadStarted
  const bPort = { value: 0 }

  before(async () => {
    redis = await startRedis()
    bPort.value = await freePort()
    A = await redisDaemon(redis, 'star-a')
    B = await startB(redis, bPort.value)
    await waitReady([A, B])
    // M: a small memory budget and quick takeover probes; S: a small per-client queue (slow consumers
    // are dropped by it before a budget would shed them).
    M = await startDaemon(['--memory-budget', '2MiB', '--min-receive-rate', '1KiB', '--socket-send-buffer', '16KiB',
      '--takeover-probe-timeout', '300ms'])
    S = await startDaemon(['--max-queued-bytes', '128KiB', '--socket-send-buffer', '16KiB'])
    prom = await new Prometheus([hostOf(A), `127.0.0.1:${bPort.value}`, hostOf(M), hostOf(S)]).start()
    watch = alertWatcher(prom)
  })

  after(async () => {
    await watch?.stop()
    closeAllClients()
    destroyAllWire()
    await prom?.stop()
    await stopAllDaemons()
    await redis?.stop()
  })

  it('every dashboard query returns data while the cluster is under load', { timeout: 60000 }, async () => {
    loadStarted = Date.now() / 1000
    const bench = runBench([hostOf(A), hostOf(B)], { clients: 40, rate: 40, duration: '25s' })
    try {
      await sleep(15000)  // rate windows need samples of the load
      const queries = execFileSync('python3', [CHECK_DASHBOARD, '--queries', '--rate-interval', '10s'], { encoding: 'utf8' })
        .trim().split('\n').map((l) => JSON.parse(l))
      assert.ok(queries.length >= 40, `${queries.length} queries`)
      const empty = []
      for (const q of queries) if ((await prom.query(q.expr)).length === 0) empty.push(`${q.panel} ${q.refId}: ${q.expr}`)
      assert.deepEqual(empty, [], 'queries without data')
      const peers = await prom.query('sum(webrtc_star_peers{job="webrtc-star"})')
      assert.ok(Number(peers[0].value[1]) >= 30, `peers under load: ${peers[0].value[1]}`)
      const remote = await prom.query(`webrtc_star_server_remote_peers{instance="${hostOf(A)}"}`)
      assert.ok(Number(remote[0].value[1]) >= 10, 'A sees B\'s peers')
    } finally {
      const { code, out } = await bench.done
      assert.equal(code, 0, out)
    }
  })

  it('each alert fires in the scenario made for it', { timeout: 150000 }, async () => {
    // The load generator's 40 peers left A and B at once.
    await watch.waitFor('WebrtcStarPeersVanished', hostOf(A))

    // Dials to nobody: every offer fails.
    const dialer = await joinPeer(M, 'v4')
    for (let i = 0; i < 60; i++) {
      dialer.socket.emit('ss-handshake', offer(dialer, joinAddr(M.port, peerId())))
      await sleep(50)
    }
    await watch.waitFor('WebrtcStarDialFailureRatioHigh', hostOf(M))

    // Six silent holders taken over by newcomers with their peer ids.
    await Promise.all(Array.from({ length: 7 }, async () => {
      const addr = joinAddr(M.port, peerId())
      const holder = await upgrade(M.port, { autoPong: false })
      holder.socket.write(clientFrame(1, '40'))
      holder.socket.write(clientFrame(1, '421' + JSON.stringify(['ss-join', addr])))
      await until(holder, (x) => texts(x).includes('431[null]'), 3000, 'join ack')
      const { socket } = await connect('v4', M.url)
      assert.equal(await joinWithAck(socket, addr, 5000), null)
    }))
    await watch.waitFor('WebrtcStarTakeoverSpike', hostOf(M))

    // A slow reader (reads for 200 ms every 600 ms) behind a stream of big offers: 400 kB a cycle,
    // more than the socket buffers hold, so writes to it complete late and the forward latency's
    // 99th percentile climbs past 250 ms.
    const slowAddr = joinAddr(M.port, peerId())
    const slow = await wireJoin(M, slowAddr)
    const sdp = 'x'.repeat(20000)
    for (let i = 0; i < 40; i++) {
      slow.socket.pause()
      for (let k = 0; k < 20; k++) dialer.socket.emit('ss-handshake', offer(dialer, slowAddr, { signal: { type: 'offer', sdp } }))
      await sleep(600)
      slow.socket.resume()
      await sleep(200)
      if (watch.seen.has(`WebrtcStarForwardLatencyHigh ${hostOf(M)}`)) break
    }
    slow.socket.destroy()
    await watch.waitFor('WebrtcStarForwardLatencyHigh', hostOf(M))

    // Eight clients of S that never read, flooded until each has more than --max-queued-bytes waiting.
    const sender = await joinPeer(S, 'v4')
    const deaf = []
    for (let i = 0; i < 8; i++) {
      const addr = joinAddr(S.port, peerId())
      const c = await wireJoin(S, addr)
      c.socket.pause()
      deaf.push({ c, addr })
    }
    for (let round = 0; round < 40 && deaf.some(({ c }) => !c.closed); round++) {
      for (const { c, addr } of deaf) if (!c.closed) sender.socket.emit('ss-handshake', offer(sender, addr, { signal: { type: 'offer', sdp } }))
      await sleep(30)
    }
    await watch.waitFor('WebrtcStarSlowConsumers', hostOf(S))

    // Clients holding unfinished messages: each 200 kB of a 900 kB message (the server's buffer for
    // it is 256 KiB), seven of them 1.75 MiB of the 2 MiB budget, held; then two more, past it.
    const size = 900 * 1000
    const chunk = mask(Buffer.alloc(size, 'z'))
    const hogs = []
    const hog = async () => {
      const h = await upgrade(M.port)
      h.socket.write(frameHeader(1, size))
      h.socket.write(chunk.subarray(0, 200 * 1000))
      hogs.push(h)
    }
    for (let i = 0; i < 7; i++) await hog()
    await watch.waitFor('WebrtcStarMemoryBudgetNearFull', hostOf(M))
    for (let i = 0; i < 2; i++) await hog()
    await watch.waitFor('WebrtcStarMemoryBudgetShedding', hostOf(M))
    for (const h of hogs) h.socket.destroy()

    // Another server's presence (published straight to Redis) claims a peer id that B holds: A
    // refuses the claim ("conflict") each time it is repeated.
    const id = peerId()
    const onB = await connect('v4', B.url)
    assert.equal(await joinWithAck(onB.socket, joinAddr(B.port, id)), null)
    await sleep(1500)  // A has heard of it through B's presence
    for (let i = 0; i < 40 && !watch.seen.has(`WebrtcStarFederationRefusing ${hostOf(A)}`); i++) {
      const rogue = JSON.stringify({ v: 2, type: 'presence', from: 'star-rogue', id: `rogue-${i}`, ts: Date.now(), peers: [id] })
      execFileSync('redis-cli', ['-p', String(redis.port), 'PUBLISH', 'webrtc-star:presence', rogue], { stdio: 'ignore' })
      await sleep(500)
    }
    await watch.waitFor('WebrtcStarFederationRefusing', hostOf(A))
    onB.socket.close()

    // Redis gone: A and B are not ready until it is back.
    await redis.kill()
    await watch.waitFor('WebrtcStarServerNotReady', hostOf(A))
    await redis.start()
    await waitReady([A, B], 20000)

    // B killed, then started again on its port.
    await B.stop()
    await watch.waitFor('WebrtcStarServerDown', `127.0.0.1:${bPort.value}`)
    B = await startB(redis, bPort.value)

    const fired = [...watch.seen.entries()].map(([k, t]) => k)
    for (const name of ['WebrtcStarServerDown', 'WebrtcStarServerNotReady', 'WebrtcStarDialFailureRatioHigh',
      'WebrtcStarForwardLatencyHigh', 'WebrtcStarMemoryBudgetNearFull', 'WebrtcStarMemoryBudgetShedding',
      'WebrtcStarFederationRefusing', 'WebrtcStarPeersVanished', 'WebrtcStarSlowConsumers', 'WebrtcStarTakeoverSpike']) {
      assert.ok(fired.some((k) => k.startsWith(name + ' ')), `${name} fired`)
    }
    console.log(`# alerts fired: ${fired.join('; ')}`)
    // STAR_DASHBOARD_PNG=path: draw the dashboard's main panels over this run (the README's picture).
    if (process.env.STAR_DASHBOARD_PNG) {
      execFileSync('python3', [RENDER_DASHBOARD, '--prometheus', prom.url, '--start', String(loadStarted - 5),
        '--end', String(Date.now() / 1000), '--out', process.env.STAR_DASHBOARD_PNG,
        '--names', `${hostOf(A)}=A (redis),${hostOf(B)}=B (redis),${hostOf(M)}=M (memory),${hostOf(S)}=S (memory)`], { stdio: 'inherit' })
    }
  })

  it('every alert clears once its scenario is over', { timeout: 90000 }, async () => {
    closeAllClients()
    destroyAllWire()
    await eventually(async () => watch.firingNow.length === 0, { timeoutMs: 80000, everyMs: 500, what: `no alert firing (still: ${watch.firingNow.join(', ')})` })
  })
})
