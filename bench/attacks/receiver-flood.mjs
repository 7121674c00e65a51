// Attack: ten connections flood one peer with ICE candidates (raw frames, as fast as their
// sockets take them) while a good client dials that peer --dials times (50): an offer and two
// candidates to it, its answer back. Prints the good client's failed dials (a message or the
// answer not through in 2 s), its dial time p50/p99 (offer sent to answer received), and what
// the flooders got relayed to the peer per second, against --max-received-per-second (5000).
// Bounded: --dials, one at a time, 2 s each at most; each flooder writes 100 frames a 10 ms
// tick while its socket holds under 1 MiB. Run from the repository root:
//   node bench/attacks/receiver-flood.mjs [--bin build/server/webrtc-star-server]

import { options, daemon, sample, wirePeer, wire, getMetrics, stopAllDaemons, sleep } from './common.mjs'
import { joinAddr, offer, answerTo } from '../../tests/lib/signalling.mjs'

const opt = options({ dials: { type: 'string', default: '50' } })
const CANDIDATE = { type: 'candidate', candidate: { candidate: 'candidate:1 1 UDP 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } }
const frame = (h) => wire.clientFrame(1, '42' + JSON.stringify(['ss-handshake', h]))
const dropped = (text, reason) => sample(text, `webrtc_star_server_messages_dropped_total\\{reason="${reason}"\\}`)

/** Calls onHandshake(object) for each ws-handshake `c` receives from now on; keeps no frames. */
function watch (c, onHandshake) {
  c.waiters.add(() => {
    for (const f of c.frames) {
      const t = f.opcode === 1 ? f.payload.toString() : ''
      if (t.startsWith('42["ws-handshake"')) onHandshake(JSON.parse(t.slice(2))[1])
    }
    c.frames.length = 0
    return false
  })
}

const d = await daemon([])
try {
  const victimAddr = joinAddr(d.port)
  const goodAddr = joinAddr(d.port)
  const victim = await wirePeer(d.port, victimAddr)
  const good = await wirePeer(d.port, goodAddr)
  const reached = new Map() // the good client's intent -> its messages that reached the victim
  let floodRelayed = 0
  watch(victim, (h) => {
    if (!reached.has(h.intentId)) return floodRelayed++
    reached.set(h.intentId, reached.get(h.intentId) + 1)
    if (h.signal?.type === 'offer') victim.socket.write(frame(answerTo(h)))
  })
  const answered = new Map() // intent -> resolve
  watch(good, (h) => { if (h.answer) answered.get(h.intentId)?.() })

  let flooding = true
  let written = 0
  const floods = []
  for (let i = 0; i < 10; i++) {
    const addr = joinAddr(d.port)
    const f = await wirePeer(d.port, addr)
    const batch = Buffer.concat(Array.from({ length: 100 }, () => frame(offer({ addr }, victimAddr, { signal: CANDIDATE }))))
    floods.push((async () => {
      while (flooding && !f.closed) {
        if (f.socket.writableLength < 1 << 20) {
          f.socket.write(batch)
          written += 100
        }
        await sleep(10)
      }
    })())
  }
  await sleep(1000) // the flood under way
  const t0 = Date.now()
  const relayed0 = floodRelayed
  const written0 = written
  const times = []
  let failed = 0
  for (let i = 0; i < Number(opt.dials); i++) {
    const o = offer({ addr: goodAddr }, victimAddr)
    reached.set(o.intentId, 0)
    const start = process.hrtime.bigint()
    const back = new Promise((resolve) => { answered.set(o.intentId, resolve); setTimeout(resolve, 2000) })
    good.socket.write(Buffer.concat([frame(o), frame({ ...o, signal: CANDIDATE }), frame({ ...o, signal: CANDIDATE })]))
    await back
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    await sleep(10) // its candidates may trail the answer by a moment
    if (ms >= 2000 || reached.get(o.intentId) < 3) failed++
    else times.push(ms)
  }
  const seconds = (Date.now() - t0) / 1000
  const relayedPerSecond = Math.round((floodRelayed - relayed0) / seconds)
  const writtenPerSecond = Math.round((written - written0) / seconds)
  flooding = false
  await Promise.all(floods)
  times.sort((a, b) => a - b)
  const pct = (p) => times.length ? Math.round(10 * times[Math.min(times.length - 1, Math.floor(p * times.length))]) / 10 : null
  const text = await getMetrics(d)
  console.log(JSON.stringify({
    attack: 'ten connections flood one peer with candidates while a good client dials it',
    bin: opt.bin,
    dials: Number(opt.dials),
    dials_failed: failed,
    dial_seconds: Math.round(10 * seconds) / 10,
    dial_ms_p50: pct(0.5),
    dial_ms_p99: pct(0.99),
    flood_written_per_second: writtenPerSecond,
    flood_relayed_per_second: relayedPerSecond,
    // (these two over the whole run: the flood goes on 2 s longer for each failed dial)
    receiver_rate_limited: dropped(text, 'receiver_rate_limited'),
    message_rate_limited: dropped(text, 'rate_limited')
  }))
} finally {
  wire.destroyAllWire()
  await stopAllDaemons()
}
