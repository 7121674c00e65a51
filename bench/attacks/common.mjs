// What the attack scripts share: a daemon started with the binary asked for, its peak RSS, and
// raw clients (tests/blackbox/lib, node built-ins only: no npm install needed).

import { startDaemon, stopAllDaemons, getMetrics } from '../../tests/blackbox/lib/daemon.mjs'
import * as wire from '../../tests/blackbox/lib/wire.mjs'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

export { wire, getMetrics, stopAllDaemons }

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** --bin (default: this tree's build) and the script's own options. */
export function options (extra) {
  const { values } = parseArgs({ options: { bin: { type: 'string', default: 'build/server/webrtc-star-server' }, ...extra } })
  process.env.WEBRTC_STAR_SERVER_BIN = values.bin
  return values
}

export async function daemon (args) { return await startDaemon(args) }

/** Peak resident memory of process `pid` so far, in MiB (VmHWM). */
export function peakRssMiB (pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : null
}

export function sample (text, name) {
  const m = new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}

/** A raw WebSocket peer joined as `addr` (socket.io v4 framing by hand). */
export async function wirePeer (port, addr) {
  const c = await wire.upgrade(port)
  c.socket.write(wire.clientFrame(1, '40'))
  c.socket.write(wire.clientFrame(1, '421' + JSON.stringify(['ss-join', addr])))
  await wire.until(c, (x) => wire.texts(x).includes('431[null]'), 5000, 'join ack')
  return c
}
