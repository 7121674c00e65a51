// Attack: one client address (127.0.0.1) opens WebSocket sessions and joins fresh peer ids on them
// as fast as it can, holding them (in a worker thread of its own, so that its event loop does not
// delay the measuring one); meanwhile a second address's client (127.0.0.2) connects every 200 ms,
// joins and leaves. Prints what the attacker got and what the good client saw (Socket.IO
// connect time and join round trip, p50/p99/max, failures). Default server settings.
// Bounded: --seconds (10) of attack, --concurrency (64) attempts in flight, --max-open (4000)
// sessions held. Run from the repository root:
//   node bench/attacks/address-flood.mjs [--bin build/server/webrtc-star-server]

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { options, daemon, getMetrics, stopAllDaemons, sleep } from './common.mjs'
import { joinAddr } from '../../tests/blackbox/lib/clients.mjs'
import { wsSession, closeAllEdge } from '../../tests/blackbox/lib/edge.mjs'

async function join (s, port, attacker) {
  const [err] = await Promise.race([s.emitWithAck('ss-join', joinAddr(port)), sleep(3000).then(() => ['timeout'])])
  if (err === null) attacker.joins++
  else attacker.joins_refused++
}

// Each turn: a new session (joined at once if accepted), and a join of a fresh peer id on one of
// the sessions already held.
async function attackLoop (port, end, maxOpen, attacker, held) {
  while (Date.now() < end && held.length < maxOpen) {
    attacker.attempts++
    const s = await wsSession(port, { timeoutMs: 3000 })
    if (s.status !== 101) {
      attacker.refused[s.status] = (attacker.refused[s.status] ?? 0) + 1
    } else {
      attacker.sessions++
      held.push(s)
      await join(s, port, attacker)
    }
    if (held.length > 0) await join(held[Math.floor(Math.random() * held.length)], port, attacker)
  }
}

if (!isMainThread) {
  const { port, end, maxOpen, concurrency } = workerData
  const attacker = { attempts: 0, sessions: 0, joins: 0, joins_refused: 0, refused: {} }
  const held = []
  await Promise.all(Array.from({ length: concurrency }, () => attackLoop(port, end, maxOpen, attacker, held)))
  parentPort.postMessage(attacker)
  await new Promise((resolve) => parentPort.once('message', resolve)) // hold the sessions until told
  closeAllEdge()
  process.exit(0)
}

const opt = options({
  seconds: { type: 'string', default: '10' },
  concurrency: { type: 'string', default: '64' },
  'max-open': { type: 'string', default: '4000' }
})
const d = await daemon([])
const end = Date.now() + Number(opt.seconds) * 1000

const good = { connect_ms: [], join_ms: [], failures: 0 }
async function goodLoop () {
  while (Date.now() < end) {
    const t0 = performance.now()
    const s = await wsSession(d.port, { localAddress: '127.0.0.2', timeoutMs: 5000 })
    if (s.status !== 101) { good.failures++; await sleep(200); continue }
    good.connect_ms.push(performance.now() - t0)
    const t1 = performance.now()
    const [err] = await Promise.race([s.emitWithAck('ss-join', joinAddr(d.port)), sleep(5000).then(() => ['timeout'])])
    if (err === null) good.join_ms.push(performance.now() - t1)
    else good.failures++
    s.close()
    await sleep(200)
  }
}

const pct = (xs, p) => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10
}

try {
  const t0 = Date.now()
  const worker = new Worker(new URL(import.meta.url),
    { workerData: { port: d.port, end, maxOpen: Number(opt['max-open']), concurrency: Number(opt.concurrency) } })
  const attacked = new Promise((resolve) => worker.once('message', resolve))
  const [attacker] = await Promise.all([attacked, goodLoop()])
  const text = await getMetrics(d)
  const refusedMetric = [...text.matchAll(/^webrtc_star_server_edge_refused_total\{reason="(\w+)"\} (\d+)/gm)]
    .filter((m) => m[2] !== '0').map((m) => `${m[1]}=${m[2]}`).join(',')
  console.log(JSON.stringify({
    attack: 'one address opening sessions and joins as fast as it can',
    bin: opt.bin,
    seconds: (Date.now() - t0) / 1000,
    attacker,
    edge_refused: refusedMetric || null,
    good_client: {
      connects: good.connect_ms.length,
      failures: good.failures,
      connect_ms: { p50: pct(good.connect_ms, 0.5), p99: pct(good.connect_ms, 0.99), max: pct(good.connect_ms, 1) },
      join_ms: { p50: pct(good.join_ms, 0.5), p99: pct(good.join_ms, 0.99), max: pct(good.join_ms, 1) }
    }
  }))
  worker.postMessage('done')
  await new Promise((resolve) => worker.once('exit', resolve))
} finally {
  closeAllEdge()
  await stopAllDaemons()
}
