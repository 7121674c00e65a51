// Redis with Sentinel for the failover tests: a master, its replica and three Sentinels, all real
// processes (Debian's redis-server and redis-sentinel) on ephemeral loopback ports, with Sentinel's
// timeouts short (down after 1 s) so that a failover takes seconds. stop() ends every process it
// started by its PID; lib/redis.mjs SIGKILLs them if the test process exits.

import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { RedisServer, redisServerBin } from './redis.mjs'
import { freePort } from '../../lib/net.mjs'
import { eventually } from '../../lib/wait.mjs'

export const MASTER_NAME = 'mymaster'
const running = new Set()
process.on('exit', () => { for (const child of running) { try { child.kill('SIGKILL') } catch {} } })

/** Ask a Redis or a Sentinel on `port` with redis-cli; the reply's lines. */
export function cli (port, ...args) {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 3000 })
    .trim().split('\n')
}

class Sentinel {
  constructor (dir, port, masterPort) {
    this.port = port
    this.conf = path.join(dir, `sentinel-${port}.conf`)
    writeFileSync(this.conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 5000`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`, ''].join('\n'))
  }

  async start () {
    // redis-sentinel (Debian's package of that name) is redis-server in Sentinel mode.
    this.child = spawn(redisServerBin() ?? 'redis-server', [this.conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] })
    running.add(this.child)
    this.exited = new Promise((resolve) => this.child.once('exit', () => { running.delete(this.child); resolve() }))
    this.output = ''
    this.child.stdout.on('data', (d) => { this.output = (this.output + d).slice(-20000) })
    await eventually(async () => /\+monitor master/.test(this.output), { timeoutMs: 10000, what: 'Sentinel monitoring' })
  }

  async stop () {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => { try { this.child.kill('SIGKILL') } catch {} }, 3000)
    await this.exited
    clearTimeout(timer)
  }
}

/** A master, a replica of it, and three Sentinels watching them; ready once each knows the others. */
export async function startSentinelGroup () {
  // Either may be the master later: a replica in sync at once (no 5 s wait for more replicas to sync).
  const quick = ['--repl-diskless-sync-delay', '0']
  const master = await new RedisServer({ args: quick }).start()
  const replica = new RedisServer({ args: [...quick, '--replicaof', '127.0.0.1', String(master.port)] })
  await replica.start()
  const dir = mkdtempSync(path.join(tmpdir(), 'star-sentinel-'))
  const sentinels = []
  for (let i = 0; i < 3; i++) sentinels.push(new Sentinel(dir, await freePort(), master.port))
  await Promise.all(sentinels.map((s) => s.start()))
  // Sentinels find each other and the replica through the master's hello channel (every 2 s).
  for (const s of sentinels) {
    await eventually(async () => Number(cli(s.port, 'SENTINEL', 'master', MASTER_NAME)
      .join(' ').match(/num-other-sentinels (\d+)/)?.[1]) === 2 && cli(s.port, 'SENTINEL', 'replicas', MASTER_NAME).length > 1,
    { timeoutMs: 15000, what: 'Sentinels know each other and the replica' })
  }
  return {
    master,
    replica,
    sentinels,
    /** --redis-sentinels for the daemons */
    get list () { return sentinels.map((s) => `127.0.0.1:${s.port}`).join(',') },
    /** the master's port as the Sentinels say */
    masterPort: () => Number(cli(sentinels[0].port, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME)[1]),
    async stop () {
      await Promise.all(sentinels.map((s) => s.stop()))
      await master.stop()
      await replica.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
