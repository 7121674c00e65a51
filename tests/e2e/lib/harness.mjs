// Process management for the e2e tests: signalling servers (reference or our
// daemon, alone or federated over Waku relay through nwaku stand-ins) and
// libp2p peers (each in its own child process, see peer-worker.mjs).
// Everything started here is registered and killed by `Scope.close()`, and as
// a last resort by a process 'exit' hook, so no test leaves processes behind.

import { spawn, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { startStandin, waitForMesh } from '../../waku/lib/standin.mjs'
import { makeFederation } from '../../waku/lib/federation-keys.mjs'
import { findServerBin, startDaemon } from '../../lib/daemon.mjs'
import { isReady } from '../../lib/metrics.mjs'
import { until, withTimeout } from '../../lib/wait.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
export const E2E_DIR = path.resolve(here, '..')
export const REPO_ROOT = path.resolve(E2E_DIR, '..', '..')
const WAKU_DIR = path.resolve(E2E_DIR, '..', 'waku')

export const VERBOSE = process.env.E2E_VERBOSE === '1'

// ---------------------------------------------------------------- utilities
// (waiting, readiness, skipping and the daemon itself: the shared test library, tests/lib/)

export { sleep, until, withTimeout } from '../../lib/wait.mjs'
export { skipUnlessRequired } from '../../lib/require.mjs'
export { isReady } from '../../lib/metrics.mjs'

export function depsInstalled () {
  return existsSync(path.join(E2E_DIR, 'node_modules', 'libp2p', 'package.json')) &&
    existsSync(path.join(E2E_DIR, 'node_modules', '@roamhq', 'wrtc', 'package.json'))
}

/** The nwaku stand-in (tests/waku) needs its own `npm ci`. */
export function wakuDepsInstalled () {
  return existsSync(path.join(WAKU_DIR, 'node_modules', '@waku', 'sdk', 'package.json'))
}

/** Path of our daemon: $WEBRTC_STAR_SERVER_BIN, else build/server/webrtc-star-server if built. */
export const daemonBinary = findServerBin

// every child process still alive, killed on exit whatever happens
const live = new Set()
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL') } catch {}
  }
})

function track (child) {
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

function exited (child) {
  return child.exitCode != null || child.signalCode != null
}

async function killChild (child, graceMs = 3000, signal = 'SIGTERM') {
  if (exited(child)) return { code: child.exitCode, signal: child.signalCode }
  const done = new Promise(resolve => child.once('exit', (code, sig) => resolve({ code, signal: sig })))
  try { child.kill(signal) } catch {}
  const timer = setTimeout(() => { try { child.kill('SIGKILL') } catch {} }, graceMs)
  try {
    return await done
  } finally {
    clearTimeout(timer)
  }
}

// ---------------------------------------------------------------- servers

/**
 * Starts a signalling server and resolves once it listens.
 * kind: 'reference' (npm @libp2p/webrtc-star-signalling-server@4) or 'daemon' (ours).
 * port: 0 for an ephemeral port, or a fixed one (used to restart on the same port).
 * Our daemon is started by tests/lib (a clean environment, stopped by its PID whatever happens).
 */
export async function startServer (kind, { port = 0, extraArgs = [], timeoutMs = 15000 } = {}) {
  const args = ['--host', '127.0.0.1', '--port', String(port), ...extraArgs]
  if (kind === 'daemon') {
    const onOutput = VERBOSE ? (d) => process.stderr.write(`[daemon] ${d}`) : undefined
    const d = await startDaemon([], { args, timeoutMs, onOutput })
    const stop = async (graceMs = 6000) => {
      const { code, signal } = await d.stop({ graceMs })
      return { code, signal }
    }
    return { kind, port: d.port, child: d.process, output: d.output, stop }
  }
  if (kind !== 'reference') throw new Error(`unknown server kind ${kind}`)
  const child = track(spawn(process.execPath, [path.join(here, 'ref-server.mjs'), ...args], {
    cwd: E2E_DIR, stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  }))
  let output = ''
  const onData = (d) => {
    output += d.toString()
    if (output.length > 200000) output = output.slice(-100000)
    if (VERBOSE) process.stderr.write(`[${kind}] ${d}`)
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)

  const ready = new Promise((resolve, reject) => {
    const check = () => {
      const m = /listening on \S+:(\d+)/.exec(output)
      if (m != null) {
        child.stderr.off('data', check)
        child.stdout.off('data', check)
        resolve(Number(m[1]))
      }
    }
    child.stderr.on('data', check)
    child.stdout.on('data', check)
    child.once('exit', (code, sig) => reject(new Error(`${kind} server exited (code ${code}, signal ${sig}) before listening:\n${output}`)))
    child.once('error', reject)
  })
  let actualPort
  try {
    actualPort = await withTimeout(ready, timeoutMs, `${kind} server to listen`)
  } catch (err) {
    await killChild(child, 1000, 'SIGKILL')
    throw err
  }
  return {
    kind,
    port: actualPort,
    child,
    output: () => output,
    /** SIGTERM, SIGKILL after graceMs; resolves with the exit status. */
    stop: (graceMs = 6000) => killChild(child, graceMs)
  }
}

// ---------------------------------------------------------------- federation

// As tests/waku/federation.test.mjs: fast polling and presence, so remote
// peers are learnt (and expire) within a couple of seconds.
export const FEDERATION_ARGS = ['--backend', 'waku', '--waku-poll-interval', '50ms',
  '--federation-presence-interval', '500ms', '--federation-peer-ttl', '2s']


// ---------------------------------------------------------------- peers

/**
 * What every kind of peer (Node worker, browser page) has in common: the log
 * of events it reported, ways to wait for them, start and diagnostics.
 * Subclasses implement call(cmd, args, timeoutMs) and stop().
 */
export class PeerBase {
  constructor (name) {
    this.name = name
    this.events = []
    this.waiters = new Set()
    this.logs = ''
  }

  record (msg) {
    this.events.push(msg)
    if (VERBOSE) process.stderr.write(`[peer ${this.name}] event ${JSON.stringify(msg)}\n`)
    for (const w of this.waiters) {
      if (w.pred(msg)) {
        this.waiters.delete(w)
        w.resolve(msg)
      }
    }
  }

  appendLog (text) {
    this.logs += text
    if (this.logs.length > 200000) this.logs = this.logs.slice(-100000)
    if (VERBOSE) process.stderr.write(`[peer ${this.name}] ${text}`)
  }

  /** Resolves with the first event (already seen since `sinceIndex`, or future) matching pred. */
  waitFor (pred, timeoutMs, what, sinceIndex = 0) {
    for (const e of this.events.slice(sinceIndex)) if (pred(e)) return Promise.resolve(e)
    let w
    const p = new Promise(resolve => { w = { pred, resolve }; this.waiters.add(w) })
    return withTimeout(p, timeoutMs, `peer ${this.name}: ${what}`).finally(() => this.waiters.delete(w))
  }

  /** Waits for a ws-peer announcement of `peerId`; resolves with its multiaddr string. */
  async waitForAnnounce (peerId, timeoutMs, sinceIndex = 0) {
    const e = await this.waitFor(ev => ev.event === 'ws-peer' && ev.peerId === peerId, timeoutMs,
      `ws-peer announcing ${peerId}`, sinceIndex)
    return e.multiaddrs[0]
  }

  announcementsOf (peerId, sinceIndex = 0) {
    return this.events.slice(sinceIndex).filter(e => e.event === 'ws-peer' && e.peerId === peerId).flatMap(e => e.multiaddrs)
  }

  async start (listen, timeoutMs = 20000) {
    await this.waitFor(e => e.event === 'ready', 15000, 'ready')
    const info = await this.call('start', { listen }, timeoutMs)
    this.peerId = info.peerId
    this.multiaddrs = info.multiaddrs
    return info
  }

  /** Tail of the peer's logs and events, for failure messages. */
  diagnostics () {
    const ev = this.events.slice(-40).map(e => JSON.stringify(e)).join('\n')
    return `--- peer ${this.name} (${this.peerId ?? 'not started'}) events:\n${ev}\n--- logs:\n${this.logs.slice(-4000)}`
  }
}

/** A libp2p node in a child Node.js process (lib/peer-worker.mjs). */
export class Peer extends PeerBase {
  constructor (name) {
    super(name)
    this.pending = new Map()
    this.nextId = 1
    this.child = track(fork(path.join(here, 'peer-worker.mjs'), [], {
      cwd: E2E_DIR,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json'
    }))
    this.child.stdout.on('data', (d) => this.appendLog(d.toString()))
    this.child.stderr.on('data', (d) => this.appendLog(d.toString()))
    this.child.on('message', (msg) => this.#onMessage(msg))
    this.exit = new Promise(resolve => this.child.once('exit', (code, signal) => {
      for (const { reject } of this.pending.values()) reject(new Error(`peer ${name} exited (code ${code}, signal ${signal})\n${this.logs}`))
      this.pending.clear()
      resolve({ code, signal })
    }))
  }

  #onMessage (msg) {
    if (msg.id == null) {
      this.record(msg)
      return
    }
    const p = this.pending.get(msg.id)
    if (p == null) return
    this.pending.delete(msg.id)
    if (msg.ok) p.resolve(msg.result)
    else p.reject(remoteError(this.name, msg.error))
  }

  call (cmd, args = {}, timeoutMs = 30000) {
    if (exited(this.child)) return Promise.reject(new Error(`peer ${this.name} is not running`))
    const id = this.nextId++
    const p = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }))
    this.child.send({ id, cmd, args })
    return withTimeout(p, timeoutMs, `peer ${this.name}: ${cmd}`).finally(() => this.pending.delete(id))
  }

  async stop () {
    if (exited(this.child)) return
    try {
      await this.call('stop', {}, 5000)
    } catch {}
    // The native WebRTC stack does not always let the process exit by itself.
    await killChild(this.child, 2000)
  }
}

export function remoteError (name, error) {
  const err = new Error(`peer ${name}: ${error.message}`)
  err.code = error.code
  err.remoteStack = error.stack
  return err
}

// ---------------------------------------------------------------- scope

/** Owns the servers, peers and other resources of one test; close() stops them all. */
export class Scope {
  constructor () {
    this.servers = []
    this.standins = []
    this.peers = []
    this.cleanups = []
  }

  async server (kind, opts) {
    const s = await startServer(kind, opts)
    this.servers.push(s)
    return s
  }

  /** An nwaku stand-in (tests/waku/nwaku-standin.mjs): a real js-waku relay node behind nwaku's REST API. */
  async standin (opts) {
    const s = await startStandin(opts)
    this.standins.push(s)
    return s
  }

  /**
   * Our daemons federated over Waku relay, one per server id, each through its
   * own stand-in (as each daemon has its own nwaku in production); every
   * stand-in peers with the first. Resolves once the relay mesh is formed and
   * every daemon's bridge is up, with the servers (each with .serverId and .standin).
   */
  async federation (serverIds = ['server-a', 'server-b']) {
    const first = await this.standin()
    const standins = [first]
    while (standins.length < serverIds.length) standins.push(await this.standin({ peers: [first.relayAddr] }))
    await waitForMesh(standins)
    // Each daemon with its own key, all trusting each other (tests/waku/lib/federation-keys.mjs).
    const keys = await makeFederation(serverIds)
    this.defer(() => keys.cleanup())
    const servers = []
    for (const [i, name] of serverIds.entries()) {
      const s = await this.server('daemon', {
        extraArgs: [...FEDERATION_ARGS, ...keys.args(name), '--waku-rest-url', standins[i].restUrl]
      })
      Object.assign(s, { serverId: keys.publicKey(name), name, standin: standins[i] })
      servers.push(s)
    }
    await Promise.all(servers.map(s =>
      until(() => isReady(s), 10_000, `${s.name}: GET /readyz to answer 200`)))
    return servers
  }

  peer (name) {
    return this.add(new Peer(name))
  }

  /** Registers any peer-like object (with stop() and diagnostics()). */
  add (peer) {
    this.peers.push(peer)
    return peer
  }

  /** Registers a cleanup function, run after the peers stop, before the servers stop. */
  defer (fn) {
    this.cleanups.push(fn)
  }

  diagnostics () {
    const servers = this.servers.map(s => `--- ${[s.kind, s.serverId].filter(Boolean).join(' ')} server output (tail):\n${s.output().slice(-3000)}`)
    const standins = this.standins.map(s => `--- nwaku stand-in ${s.restUrl} stderr (tail):\n${s.stderr().slice(-2000)}`)
    return [...this.peers.map(p => p.diagnostics()), ...servers, ...standins].join('\n')
  }

  async close () {
    await Promise.allSettled(this.peers.map(p => p.stop()))
    for (const fn of this.cleanups.reverse()) {
      try { await fn() } catch {}
    }
    await Promise.allSettled(this.servers.map(s => s.stop()))
    await Promise.allSettled(this.standins.map(s => s.stop()))
  }
}

/**
 * Runs fn(scope) with a fresh Scope, always closes it, and on failure appends
 * the peers' and servers' diagnostics to the error message.
 */
export async function inScope (fn) {
  const scope = new Scope()
  try {
    return await fn(scope)
  } catch (err) {
    if (!process.env.E2E_QUIET) err.message += `\n${scope.diagnostics()}`
    throw err
  } finally {
    await scope.close()
  }
}

// ---------------------------------------------------------------- multiaddrs

export function starAddr (host, port) {
  const proto = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? 'ip4' : 'dns4'
  return `/${proto}/${host}/tcp/${port}/ws/p2p-webrtc-star`
}
