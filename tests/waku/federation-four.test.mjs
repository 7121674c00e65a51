// Four federated servers on one relay (a stand-in each, meshed): the signals between two of them
// reach all four, and the two that only listen skip them by their recipient tag (the Waku message's
// meta) instead of trying an ECDH each (issue #23). Prints the listeners' CPU per federated signal,
// less what they spend idle over as long; with a server built before the tag, run it to compare.
// Run from the repository root: node --test tests/waku/   (needs WEBRTC_STAR_SERVER_BIN)

import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { startStandin, waitForMesh } from './lib/standin.mjs'
import { makeFederation } from './lib/federation-keys.mjs'
import { startDaemon, stopAllDaemons, httpGet, getMetrics, metricSum } from '../blackbox/lib/daemon.mjs'
import { joinPeer, offer, answerTo, closeAllClients, eventually, sleep } from '../blackbox/lib/clients.mjs'

const PAIRS = 20
const HANDSHAKES_PER_PAIR = 25  // 500 handshakes: 1,000 signals between A and B
const ARGS = ['--backend', 'waku', '--waku-poll-interval', '50ms', '--federation-presence-interval', '2s']
// The listeners poll slowly when idle: what they spend is then mostly what the signals cost them.
const LISTENER_ARGS = ['--backend', 'waku', '--waku-poll-interval', '500ms', '--federation-presence-interval', '2s']

const metric = async (d, name, label) => {
  const text = await getMetrics(d)
  if (!label) return metricSum(text, name) ?? 0
  const m = new RegExp(`^${name}\\{[^}]*"${label}"\\}\\s+(\\S+)`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}
// User plus system CPU of a process, in ms (/proc/PID/stat, clock ticks of 10 ms).
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

describe('four servers on one relay: signals only to their server', () => {
  const standins = []
  const daemons = {}
  let fed

  before(async () => {
    standins.push(await startStandin({ cacheCapacity: 20000 }))
    for (let i = 0; i < 3; i++) standins.push(await startStandin({ cacheCapacity: 20000, peers: [standins[0].relayAddr] }))
    await waitForMesh(standins)
    fed = await makeFederation(['a', 'b', 'c', 'd'])
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) {
      const args = name === 'a' || name === 'b' ? ARGS : LISTENER_ARGS
      daemons[name] = await startDaemon([...args, ...fed.args(name), '--waku-rest-url', standins[i].restUrl])
    }
    await eventually(async () => {
      for (const d of Object.values(daemons)) if ((await httpGet(`${d.url}/readyz`)).status !== 200) return false
      return true
    }, { timeoutMs: 20000, what: 'four servers ready' })
  })

  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await Promise.all(standins.map((s) => s.stop()))
    fed?.cleanup()
  })

  it("the listeners skip the others' signals before any ECDH; their CPU per signal is printed", { timeout: 180000 }, async () => {
    const { a: A, b: B, c: C, d: D } = daemons
    const pairs = []
    for (let i = 0; i < PAIRS; i++) pairs.push({ a: await joinPeer(A), b: await joinPeer(B) })
    for (const p of pairs) p.toB = await p.a.rec.waitFor('ws-peer', (ma) => ma.endsWith(p.b.id), 10000)
    await sleep(2000)  // the joins' echoes settle

    const listeners = [C, D]
    const idleStart = listeners.map((d) => cpuMs(d.process.pid))
    const idleBegan = Date.now()
    await sleep(5000)
    const idleMs = Date.now() - idleBegan
    const idle = listeners.map((d, i) => cpuMs(d.process.pid) - idleStart[i])

    const counts = async (d) => ({ skipped: await metric(d, 'webrtc_star_server_federation_envelopes_dropped_total', 'not_for_us'),
      undecryptable: await metric(d, 'webrtc_star_server_federation_refused_total', 'undecryptable') })
    const before = await Promise.all(listeners.map(counts))
    const published = async () => await metric(A, 'webrtc_star_server_federation_signals_total', 'published') +
      await metric(B, 'webrtc_star_server_federation_signals_total', 'published')
    const publishedBefore = await published()
    const loadStart = listeners.map((d) => cpuMs(d.process.pid))
    const loadBegan = Date.now()
    await Promise.all(pairs.map(async (p) => {
      for (let i = 0; i < HANDSHAKES_PER_PAIR; i++) {
        const off = offer(p.a, p.toB)
        p.a.socket.emit('ss-handshake', off)
        const got = await p.b.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 10000)
        p.b.socket.emit('ss-handshake', answerTo(got))
        await p.a.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId && h.answer, 10000)
      }
    }))
    const signals = await published() - publishedBefore
    // Every signal reached the listeners (they poll every 500 ms), then the counts are read.
    await eventually(async () => (await Promise.all(listeners.map(counts))).every((c, i) =>
      c.skipped + c.undecryptable - before[i].skipped - before[i].undecryptable >= signals),
    { timeoutMs: 10000, what: 'the listeners saw every signal' }).catch(() => {})
    const loadMs = Date.now() - loadBegan
    const load = listeners.map((d, i) => cpuMs(d.process.pid) - loadStart[i])
    const after = await Promise.all(listeners.map(counts))

    const perSignalUs = load.map((ms, i) => Math.max(0, ms - idle[i] * loadMs / idleMs) * 1000 / signals)
    console.log(`# four servers, ${signals} signals between A and B in ${loadMs} ms`)
    for (const [i, name] of ['C', 'D'].entries()) {
      console.log(`# listener ${name}: ${load[i]} ms CPU under load, ${idle[i]} ms idle over ${idleMs} ms; ` +
        `${perSignalUs[i].toFixed(1)} us CPU per federated signal; skipped by tag ${after[i].skipped - before[i].skipped}, ` +
        `tried and undecryptable ${after[i].undecryptable - before[i].undecryptable}`)
    }
    assert.ok(signals >= 2 * PAIRS * HANDSHAKES_PER_PAIR, `signals published: ${signals}`)
    for (const [i, name] of ['C', 'D'].entries()) {
      assert.ok(after[i].skipped - before[i].skipped >= signals, `${name} skipped every signal by its tag`)
      assert.equal(after[i].undecryptable, before[i].undecryptable, `${name} tried to decrypt none`)
    }
  })
})
