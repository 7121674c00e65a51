// Reading the daemon's Prometheus text (/metrics) and its readiness (/readyz).

import { httpGet, urlOf } from './net.mjs'
import { eventually } from './wait.mjs'

export const DROPPED = 'webrtc_star_server_messages_dropped_total'

export async function getMetrics (daemon) {
  const res = await httpGet(`${urlOf(daemon)}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return res.body
}

/** Sum of every sample of a Prometheus metric (all label sets), or null if none. */
export function metricSum (text, name) {
  let sum = null
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`, 'gm')
  for (const m of text.matchAll(re)) {
    sum = (sum ?? 0) + Number(m[1])
  }
  return sum
}

/**
 * One figure of `name` in Prometheus text, 0 if absent: without `label`, the sum of all its
 * samples; with it, the sample one of whose labels has that value (`{reason="too_big"}`).
 */
export function sampleOf (text, name, label) {
  if (label === undefined) return metricSum(text, name) ?? 0
  const m = new RegExp(`^${name}\\{[^}]*="${label}"[^}]*\\}\\s+(\\S+)`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}

/** The daemon's current figure of `name` (optionally the sample with a label of that value). */
export async function metric (daemon, name, label) {
  return sampleOf(await getMetrics(daemon), name, label)
}

/** GET /readyz: {status, body}; 200 once the daemon's backend is up, 503 and why while not. */
export function readyz (daemon) {
  return httpGet(`${urlOf(daemon)}/readyz`)
}

export async function isReady (daemon) {
  return (await readyz(daemon)).status === 200
}

/** Wait until every daemon answers /readyz with 200. */
export async function waitReady (daemons, timeoutMs = 10000) {
  for (const d of daemons) {
    await eventually(() => isReady(d), { timeoutMs, what: `${d.serverId ?? d.name ?? urlOf(d)} ready` })
  }
}
