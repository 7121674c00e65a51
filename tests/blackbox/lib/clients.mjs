// Socket.IO clients (v2, v3, v4), event recording, peer ids and join addresses.
//
// Every client created here is remembered; closeAllClients() (use it in an
// afterEach() hook) closes them all so the test process can exit by itself.

import { peerId, joinAddr, offer } from '../../lib/signalling.mjs'
import { sleep } from '../../lib/wait.mjs'
import ioV2 from 'sio-v2'
import { io as ioV3 } from 'sio-v3'
import { io as ioV4 } from 'sio-v4'

export const VERSIONS = ['v2', 'v3', 'v4']
export const PATHS = ['/socket.io', '/socket.io-next']

const open = new Set()

/** The events the server sends that tests look at. */
export const RECORDED_EVENTS = ['ws-peer', 'ws-handshake', 'error', 'disconnect', 'connect_error']

// Peer ids, addresses, offers, waiting: the shared test library (tests/lib/), re-exported under the
// names these tests import.
export { base58btc, peerId, joinAddr, idOf, offer, answerTo, offerAndWait, eventuallyUnavailable, PEER_NOT_AVAILABLE } from '../../lib/signalling.mjs'
export { sleep, eventually } from '../../lib/wait.mjs'

// ---------------------------------------------------------------- helpers

/**
 * Watch this process's event-loop lag (a stalled test process bunches
 * events together, which timing assertions must not mistake for a burst).
 * @returns {{maxLagMs:()=>number, stop:()=>void}}
 */
export function lagMonitor (everyMs = 20) {
  let last = Date.now()
  let max = 0
  const timer = setInterval(() => {
    const now = Date.now()
    max = Math.max(max, now - last - everyMs)
    last = now
  }, everyMs)
  timer.unref() // never keeps the test process alive
  return { maxLagMs: () => max, stop: () => clearInterval(timer) }
}

/** Wait for one `event` on an emitter; resolves with its first argument. */
export function waitEvent (emitter, event, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on)
      reject(new Error(`no '${event}' within ${timeoutMs} ms`))
    }, timeoutMs)
    function on (arg) {
      clearTimeout(timer)
      resolve(arg)
    }
    emitter.once(event, on)
  })
}

/**
 * Records every event of interest on a socket, from its creation on, so a test
 * can ask about events that arrived before it started to wait.
 */
export class Recorder {
  constructor (socket, events = RECORDED_EVENTS) {
    this.log = new Map()
    this.waiters = new Set()
    for (const ev of events) {
      this.log.set(ev, [])
      socket.on(ev, (arg) => {
        this.log.get(ev).push({ arg, at: Date.now() })
        for (const w of [...this.waiters]) w()
      })
    }
  }

  /** First arguments of every `event` received so far that satisfy pred. */
  all (event, pred = () => true) {
    return this.log.get(event).map((e) => e.arg).filter(pred)
  }

  /** Entries {arg, at} of every `event` received so far that satisfy pred. */
  entries (event, pred = () => true) {
    return this.log.get(event).filter((e) => pred(e.arg))
  }

  clear (event) {
    if (event) this.log.set(event, [])
    else for (const k of this.log.keys()) this.log.set(k, [])
  }

  /** Resolves once at least `count` matching `event`s were received (past ones count); returns them. */
  waitCount (event, count, pred = () => true, timeoutMs = 3000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const got = this.all(event, pred)
        if (got.length >= count) {
          clearTimeout(timer)
          this.waiters.delete(check)
          resolve(got)
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`expected ${count} '${event}' events within ${timeoutMs} ms, got ${this.all(event, pred).length}: ${JSON.stringify(this.all(event)).slice(0, 2000)}`))
      }, timeoutMs)
      if (!check()) this.waiters.add(check)
    })
  }

  /** Resolves with the first matching `event` (past ones count). */
  async waitFor (event, pred = () => true, timeoutMs = 3000) {
    const got = await this.waitCount(event, 1, pred, timeoutMs)
    return got[0]
  }

  /** Rejects if a matching `event` was (or is, within ms) received. */
  async expectNone (event, pred = () => true, ms = 500) {
    await sleep(ms)
    const got = this.all(event, pred)
    if (got.length > 0) {
      throw new Error(`expected no '${event}' but got ${got.length}: ${JSON.stringify(got).slice(0, 2000)}`)
    }
  }
}

// ---------------------------------------------------------------- clients

/**
 * Create a Socket.IO client of the given version (not yet waited for).
 * `url` may include a namespace (e.g. http://127.0.0.1:1234/other).
 */
export function createClient (version, url, { path = '/socket.io', extra = {} } = {}) {
  const base = { transports: ['websocket'], path, forceNew: true, reconnection: false, timeout: 5000, ...extra }
  let socket
  if (version === 'v2') {
    socket = ioV2(url, { ...base, 'force new connection': true })
  } else if (version === 'v3') {
    socket = ioV3(url, base)
  } else if (version === 'v4') {
    socket = ioV4(url, base)
  } else {
    throw new Error(`unknown client version ${version}`)
  }
  socket.version = version
  open.add(socket)
  return socket
}

/** Connect a client and wait until it is connected; returns {socket, rec}. */
export async function connect (version, url, opts = {}) {
  const socket = createClient(version, url, opts)
  const rec = new Recorder(socket)
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${version} client did not connect to ${url} (path ${opts.path ?? '/socket.io'}) within 5 s`)), 5000)
    socket.once('connect', () => { clearTimeout(timer); resolve() })
    const fail = (err) => { clearTimeout(timer); reject(new Error(`${version} client could not connect: ${err?.message ?? err}`)) }
    socket.once('connect_error', fail)
    if (version === 'v2') socket.once('connect_timeout', fail)
  })
  return { socket, rec }
}

/**
 * Emit ss-join with an acknowledgement (the contract promises one when asked); resolves with the ack's first
 * argument (null on success, an error message otherwise).
 */
export function joinWithAck (socket, addr, timeoutMs = 3000) {
  if (process.env.BLACKBOX_JOIN_WITHOUT_ACK) {
    // for trying the helpers against a server without acks (the Node.js reference)
    socket.emit('ss-join', addr)
    return new Promise((resolve) => setTimeout(() => resolve(null), 200))
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ss-join ${String(addr).slice(0, 200)} within ${timeoutMs} ms`)), timeoutMs)
    socket.emit('ss-join', addr, (...args) => {
      clearTimeout(timer)
      resolve(args[0] === undefined ? null : args[0])
    })
  })
}

/**
 * Connect a client and join it as a fresh peer.
 * @returns {Promise<{socket, rec, id:string, addr:string}>}
 */
export async function joinPeer (daemon, version = 'v4', { path = '/socket.io', prefix = 'ip4', id = peerId(), extra = {} } = {}) {
  const { socket, rec } = await connect(version, daemon.url, { path, extra })
  const addr = joinAddr(daemon.port, id, { prefix })
  const err = await joinWithAck(socket, addr)
  if (err != null) throw new Error(`join of ${addr} refused: ${JSON.stringify(err)}`)
  return { socket, rec, id, addr, version }
}




/** Close one client. */
export function closeClient (socket) {
  open.delete(socket)
  try { socket.close() } catch {}
}

/** Close every client created by this process. */
export function closeAllClients () {
  for (const s of open) {
    try { s.close() } catch {}
  }
  open.clear()
}

/** An offer from `a` to `b` (joined clients); resolves once `b` received it. */
export async function handshakeWorks (a, b) {
  const o = offer(a, b.addr)
  a.socket.emit('ss-handshake', o)
  await b.rec.waitFor('ws-handshake', (x) => x?.intentId === o.intentId, 3000)
}
