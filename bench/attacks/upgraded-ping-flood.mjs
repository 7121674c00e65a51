// Attack: a long-polling session upgraded to WebSocket floods pings for --seconds (3):
// WebSocket pings (--kind websocket, Engine.IO 4) or Engine.IO 3 pings ("2" packets,
// --kind engineio). Prints how many were answered, against --max-pings-per-second (10).
// Bounded: at most 200 pings a 10 ms tick, for --seconds. Run from the repository root:
//   node bench/attacks/upgraded-ping-flood.mjs [--bin ...] [--kind websocket|engineio]

import { options, daemon, sample, wire, getMetrics, stopAllDaemons, sleep } from './common.mjs'
import { joinAddr } from '../../tests/blackbox/lib/clients.mjs'
import { pollingJoin, upgradeSession } from '../../tests/blackbox/lib/polling.mjs'

const opt = options({ seconds: { type: 'string', default: '3' }, kind: { type: 'string', default: 'websocket' } })
const engineio = opt.kind === 'engineio'
const d = await daemon([])
try {
  const client = await pollingJoin(d, joinAddr(d.port), { eio: engineio ? 3 : 4 })
  const ws = await upgradeSession(d, client, wire, { autoPong: !engineio })
  const ping = engineio ? wire.clientFrame(1, '2') : wire.clientFrame(9, 'p')
  const batch = Buffer.concat(Array.from({ length: 200 }, () => ping))
  const answered = () => engineio
    ? wire.texts(ws).filter((t) => t === '3').length
    : ws.frames.filter((f) => f.opcode === 10).length
  let sent = 0
  const end = Date.now() + 1000 * Number(opt.seconds)
  while (Date.now() < end && !ws.closed) {
    if (ws.socket.writableLength < 1 << 20) {
      ws.socket.write(batch)
      sent += 200
    }
    await sleep(10)
  }
  await sleep(500)
  const text = await getMetrics(d)
  console.log(JSON.stringify({
    attack: `upgraded session flooding ${engineio ? 'Engine.IO 3' : 'WebSocket'} pings`,
    bin: opt.bin,
    seconds: Number(opt.seconds),
    pings_sent: sent,
    pongs_answered: answered(),
    close_code: ws.closeCode,
    closed: ws.closed,
    ping_rate_limited: sample(text, 'webrtc_star_server_messages_dropped_total\\{reason="ping_rate_limited"\\}')
  }))
} finally {
  wire.destroyAllWire()
  await stopAllDaemons()
}
