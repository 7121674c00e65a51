// Our daemons with the Redis backend, on one real redis-server (lib/redis.mjs). Presence is
// fast (every 500 ms) so that remote peers are learnt, and expire, within seconds.

import { startDaemon } from '../../lib/daemon.mjs'
import { metric } from '../../lib/metrics.mjs'

export { readyz, waitReady } from '../../lib/metrics.mjs'

export const PEER_TTL_MS = 4000
const BASE_ARGS = ['--backend', 'redis', '--federation-presence-interval', '500ms',
  '--federation-peer-ttl', `${PEER_TTL_MS}ms`]
export const REDIS_ARGS = [...BASE_ARGS, '--redis-timeout', '2s']

export async function redisDaemon (redis, serverId, { extraArgs = [], env = {}, url = redis.url, timeout = '2s' } = {}) {
  const args = [...BASE_ARGS, '--redis-timeout', timeout, '--server-id', serverId, '--redis-url', url, ...extraArgs]
  const d = await startDaemon(args, { env })
  d.serverId = serverId
  return d
}

/** The sum of every sample of `name` (0 if absent). */
export function metricOf (daemon, name) {
  return metric(daemon, name)
}
