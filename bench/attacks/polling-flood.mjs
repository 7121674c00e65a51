// Attack: N long-polling sessions that never poll, flooded with 30 kB offers (each is sent
// enough to fill --max-queued-bytes). Prints the daemon's peak RSS and what it shed.
// Bounded: --sessions (150), --rounds offers to each (150), 10 senders paced under the
// per-connection message limit. Run from the repository root:
//   node bench/attacks/polling-flood.mjs [--bin build/server/webrtc-star-server]

import { options, daemon, peakRssMiB, sample, wirePeer, wire, getMetrics, stopAllDaemons, sleep } from './common.mjs'
import { joinAddr } from '../../tests/blackbox/lib/clients.mjs'
import { pollingJoin } from '../../tests/blackbox/lib/polling.mjs'

const opt = options({ sessions: { type: 'string', default: '150' }, rounds: { type: 'string', default: '150' } })
const M = (name) => `webrtc_star_server_${name}`
// Heartbeats long enough that the sessions outlive the flood on a loaded machine.
const d = await daemon(['--ping-interval', '120s', '--ping-timeout', '60s'])
try {
  const idle = []
  for (let i = 0; i < Number(opt.sessions); i++) {
    const addr = joinAddr(d.port)
    await pollingJoin(d, addr)
    idle.push(addr)
  }
  const senders = []
  for (let i = 0; i < 10; i++) {
    const addr = joinAddr(d.port)
    senders.push({ addr, c: await wirePeer(d.port, addr) })
  }
  const sdp = 'x'.repeat(30000)
  let offers = 0
  let bufferedPeak = 0
  const t0 = Date.now()
  for (let round = 0; round < Number(opt.rounds); round++) {
    for (let i = 0; i < idle.length; i++) {
      const s = senders[i % senders.length]
      const o = { srcMultiaddr: s.addr, dstMultiaddr: idle[i], intentId: `i${round}-${i}`, signal: { type: 'offer', sdp } }
      s.c.socket.write(wire.clientFrame(1, '42' + JSON.stringify(['ss-handshake', o])))
      offers++
    }
    await sleep(30) // 15 offers a sender a round: some 500 a second, under --max-messages-per-second
    if (round % 10 === 9) bufferedPeak = Math.max(bufferedPeak, sample(await getMetrics(d), M('buffered_bytes')))
  }
  await sleep(1000)
  const text = await getMetrics(d)
  console.log(JSON.stringify({
    attack: 'polling sessions that never poll, flooded with offers',
    bin: opt.bin,
    sessions: idle.length,
    offers,
    seconds: (Date.now() - t0) / 1000,
    peak_rss_mib: peakRssMiB(d.process.pid),
    buffered_bytes_peak: bufferedPeak,
    memory_budget_shed_total: sample(text, M('memory_budget_shed_total')),
    slow_consumers_total: sample(text, M('slow_consumers_total')),
    polling_sessions_left: sample(text, M('polling_sessions'))
  }))
} finally {
  wire.destroyAllWire()
  await stopAllDaemons()
}
