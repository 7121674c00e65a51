// Our daemons with the Redis backend, on one real redis-server (lib/redis.mjs). Presence is
// fast (every 500 ms) so that remote peers are learnt, and expire, within seconds.

import { startDaemon, httpGet, getMetrics, metricSum } from '../../blackbox/lib/daemon.mjs'
import { eventually } from '../../blackbox/lib/clients.mjs'

export const PEER_TTL_MS = 4000
export const REDIS_ARGS = ['--backend', 'redis', '--federation-presence-interval', '500ms',
  '--federation-peer-ttl', `${PEER_TTL_MS}ms`, '--redis-timeout', '2s']

export async function redisDaemon (redis, serverId, { extraArgs = [], env = {} } = {}) {
  const d = await startDaemon([...REDIS_ARGS, '--server-id', serverId, '--redis-url', redis.url, ...extraArgs], { env })
  d.serverId = serverId
  return d
}

export async function readyz (daemon) {
  return httpGet(`${daemon.url}/readyz`)
}

export async function waitReady (daemons, timeoutMs = 10000) {
  for (const d of daemons) {
    await eventually(async () => (await readyz(d)).status === 200, { timeoutMs, what: `${d.serverId} ready` })
  }
}

export async function metricOf (daemon, name) {
  return metricSum(await getMetrics(daemon), name)
}
