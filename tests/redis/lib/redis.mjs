// A real redis-server (Debian's) for the Redis backend's tests: loopback only, an ephemeral
// port, no persistence, its working directory a fresh temporary one. stop() ends it by its PID
// (SIGTERM, then SIGKILL); kill() is SIGKILL at once; start() again reuses the port, as a
// restarted Redis would. Every server started here is SIGKILLed if the test process exits.

import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort } from '../../lib/net.mjs'
import { skipUnlessRequired } from '../../lib/require.mjs'

const running = new Set()
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL') } catch {}
  }
})

export function redisServerBin () {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

/**
 * The reason to skip a test that needs redis-server, or false. Under STAR_TESTS_REQUIRE_ALL=1 (as
 * CTest sets it) a missing redis-server fails the run instead: CI must not skip what it is to prove.
 */
export function skipWithoutRedis () {
  return skipUnlessRequired(!redisServerBin() && 'no redis-server (apt-get install redis-server, or scripts/bootstrap --tests)')
}

export class RedisServer {
  /**
   * password: requirepass; tls: { cert, key, ca, authClients } (files; lib/tls.mjs) to listen with TLS
   * only; args: more redis-server arguments (e.g. an ACL user, replicaof).
   */
  constructor ({ password, tls, args = [] } = {}) {
    this.password = password
    this.tls = tls
    this.extraArgs = args
    this.child = null
    this.output = ''
  }

  get url () { return `${this.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}/0` }

  async start () {
    this.port ??= await freePort()
    this.dir ??= mkdtempSync(path.join(tmpdir(), 'star-redis-'))
    const listen = this.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.tls.cert, '--tls-key-file', this.tls.key,
          '--tls-ca-cert-file', this.tls.ca, '--tls-auth-clients', this.tls.authClients ?? 'no']
      : ['--port', String(this.port)]
    const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.dir, '--daemonize', 'no', '--loglevel', 'notice']
    if (this.password) args.push('--requirepass', this.password)
    args.push(...this.extraArgs)
    const child = spawn(redisServerBin() ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    running.add(child)
    this.child = child
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.once('exit', () => running.delete(child))
    this.exited = exited
    const ready = new Promise((resolve, reject) => {
      const onData = (d) => {
        this.output += d.toString()
        if (/Ready to accept connections/.test(this.output.slice(-4000))) resolve()
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      exited.then((code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${this.output}`)))
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    try {
      await ready
    } finally {
      clearTimeout(timer)
    }
    this.output = ''
    return this
  }

  /** SIGKILL: Redis vanishes mid-conversation, as in a crash. */
  async kill () {
    if (this.child == null || this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGKILL')
    await this.exited
  }

  /** SIGSTOP / SIGCONT: Redis hangs without closing its connections. */
  pause () { this.child.kill('SIGSTOP') }
  resume () { this.child.kill('SIGCONT') }

  async stop () {
    if (this.child != null && this.child.exitCode === null && this.child.signalCode === null) {
      try { this.child.kill('SIGCONT') } catch {}
      this.child.kill('SIGTERM')
      const timer = setTimeout(() => { try { this.child.kill('SIGKILL') } catch {} }, 3000)
      await this.exited
      clearTimeout(timer)
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }
}

export async function startRedis (opts) {
  return new RedisServer(opts).start()
}
