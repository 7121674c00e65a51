// Reading one sample of a Prometheus metric from the daemon's /metrics.

import { getMetrics } from './daemon.mjs'

/** The value of `name` (with `reason` as its label, if given) in Prometheus text, 0 if absent. */
export function sampleOf (text, name, reason) {
  const labels = reason === undefined ? '' : `\\{reason="${reason}"\\}`
  const m = new RegExp(`^${name}${labels}\\s+(\\S+)`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}

/** The daemon's current value of `name` (optionally one reason of a family). */
export async function metric (daemon, name, reason) {
  return sampleOf(await getMetrics(daemon), name, reason)
}

export const DROPPED = 'webrtc_star_server_messages_dropped_total'
