// A raw Engine.IO WebSocket peer that records everything it receives, normalised, and how
// the connection ends. Nothing is answered automatically: a scenario sends what it means to.

import { createRequire } from 'node:module'
import { short, sleep } from './context.mjs'

const require = createRequire(new URL('../../blackbox/package.json', import.meta.url))
const WebSocket = require('ws')

const open = new Set()

export class RawPeer {
  constructor (ctx, { path = '/socket.io', eio = 4, query = '', headers = {}, pathOverride = null } = {}) {
    this.ctx = ctx
    this.frames = []
    this.closed = null
    this.lastActivity = Date.now()
    const url = pathOverride ? `ws://127.0.0.1:${ctx.server.port}${pathOverride}` : ctx.wsUrl(path, eio, query)
    this.ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 0, headers })
    this.ws.on('message', (data, isBinary) => this.record(isBinary ? `<binary ${data.length} bytes>` : ctx.norm(data.toString('utf8'))))
    this.ws.on('unexpected-response', (req, res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c) => { body += c })
      res.on('end', () => {
        this.closed = { httpStatus: res.statusCode, body: ctx.norm(body) }
        this.lastActivity = Date.now()
      })
      req.destroy()
    })
    this.ws.on('close', (code, reason) => {
      this.closed ??= { code, reason: reason.toString() }
      this.lastActivity = Date.now()
      open.delete(this)
    })
    this.ws.on('error', () => { setTimeout(() => { this.closed ??= { error: true } }, 200) })
    open.add(this)
  }

  record (text) {
    if (this.ctx.foreign(text) || this.hide?.(text)) return
    this.frames.push(short(text))
    this.lastActivity = Date.now()
  }

  async opened (timeoutMs = 5000) {
    const t0 = Date.now()
    while (!this.frames.length && !this.closed && Date.now() - t0 < timeoutMs) await sleep(10)
    return this
  }

  /** Waits until the WebSocket is open (for an upgrade, where the server sends nothing first). */
  async upgraded (timeoutMs = 3000) {
    const t0 = Date.now()
    while (this.ws.readyState === WebSocket.CONNECTING && Date.now() - t0 < timeoutMs) await sleep(10)
  }

  send (data) {
    this.lastActivity = Date.now() // the answer is awaited from now
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data)
  }

  /** Still sending, or received something within `ms`. */
  busy (ms) {
    return this.ws.bufferedAmount > 0 || Date.now() - this.lastActivity < ms
  }

  /** Waits until a frame matching `re` was received (or the connection ended). */
  async waitFrame (re, timeoutMs = 3000) {
    const t0 = Date.now()
    while (!this.frames.some((f) => re.test(f)) && !this.closed && Date.now() - t0 < timeoutMs) await sleep(10)
  }

  /** The frames received so far are setup: dropped from the transcript. */
  mark () { this.frames = [] }

  transcript () {
    return { frames: this.frames, end: this.closed ?? 'open' }
  }

  close () {
    open.delete(this)
    try { this.ws.terminate() } catch {}
  }
}

/** Waits until none of `peers` has received anything for `quietMs` (at most `maxMs`). */
export async function settle (peers, { quietMs = 400, maxMs = 4000 } = {}) {
  const t0 = Date.now()
  while (Date.now() - t0 < maxMs) {
    if (!peers.some((p) => p.busy(quietMs))) return
    await sleep(25)
  }
}

export function closeAllRaw () {
  for (const p of [...open]) p.close()
}

/** A connected Socket.IO peer on the raw transport: open packet read, CONNECT sent (EIO4). */
export async function rawConnected (ctx, opts = {}) {
  const p = new RawPeer(ctx, opts)
  await p.opened()
  if ((opts.eio ?? 4) === 4) {
    p.send('40')
    await p.waitFrame(/^40/)
  } else {
    await p.waitFrame(/^40/)
  }
  return p
}

/** A raw peer joined as `name`; the frames of setup are dropped once everything settled. */
export async function rawJoined (ctx, name, opts = {}) {
  const p = await rawConnected(ctx, opts)
  p.send('42' + JSON.stringify(['ss-join', ctx.addr(name)]))
  return p
}
