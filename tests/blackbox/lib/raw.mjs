// A hand-made Engine.IO v4 / Socket.IO v5 client over a plain `ws` WebSocket.
//
// It lets a test see and send exact frames, send oversized frames, read the
// WebSocket close code, and "freeze": stop answering WebSocket pings (and
// Engine.IO pings) while the TCP connection stays open, like a peer whose
// machine went to sleep.

import WebSocket from 'ws'

const open = new Set()

export class RawClient {
  /**
   * @param {string} url  e.g. ws://127.0.0.1:1234/socket.io/?EIO=4&transport=websocket
   */
  constructor (url) {
    this.url = url
    this.frozen = false
    this.frames = [] // text frames received, in order
    this.events = [] // decoded Socket.IO events: {name, args, raw}
    this.acks = new Map() // ack id -> resolve
    this.nextAck = 1
    this.closed = null // {code, reason} once closed
    this.waiters = new Set()
    // autoPong off: we answer WebSocket pings ourselves, unless frozen
    this.ws = new WebSocket(url, { autoPong: false, perMessageDeflate: false, maxPayload: 0 })
    this.ws.on('ping', (data) => {
      if (!this.frozen) this.ws.pong(data)
    })
    this.ws.on('message', (data, isBinary) => this._onFrame(isBinary ? data : data.toString('utf8'), isBinary))
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
      open.delete(this)
      this._notify()
    })
    this.ws.on('error', (err) => { this.error = err; this._notify() })
    open.add(this)
  }

  _notify () { for (const w of [...this.waiters]) w() }

  _onFrame (text, isBinary) {
    if (isBinary) { this.frames.push(text); this._notify(); return }
    this.frames.push(text)
    if (text === '2') { // Engine.IO ping
      if (!this.frozen) this.ws.send('3')
    } else if (text.startsWith('0')) {
      this.handshake = JSON.parse(text.slice(1))
    } else if (text.startsWith('42')) {
      const m = /^42(\d*)(.*)$/s.exec(text)
      const arr = JSON.parse(m[2])
      this.events.push({ name: arr[0], args: arr.slice(1), raw: text })
    } else if (text.startsWith('43')) {
      const m = /^43(\d+)(.*)$/s.exec(text)
      const resolve = this.acks.get(Number(m[1]))
      if (resolve) { this.acks.delete(Number(m[1])); resolve(JSON.parse(m[2])) }
    }
    this._notify()
  }

  /** Wait until pred() is true (checked on every frame / close). */
  until (pred, timeoutMs = 3000, what = 'condition') {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v
        try { v = pred() } catch (err) { v = false }
        if (v) {
          clearTimeout(timer)
          this.waiters.delete(check)
          resolve(v)
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`raw client: ${what} not reached within ${timeoutMs} ms; frames: ${JSON.stringify(this.frames.map((f) => String(f).slice(0, 300))).slice(0, 3000)}; closed: ${JSON.stringify(this.closed)}; error: ${this.error?.message}`))
      }, timeoutMs)
      if (!check()) this.waiters.add(check)
    })
  }

  /** Open the WebSocket, read the Engine.IO open packet, CONNECT to the default namespace. */
  async connect (timeoutMs = 5000) {
    await this.until(() => this.handshake, timeoutMs, 'Engine.IO open packet')
    this.ws.send('40')
    await this.until(() => this.frames.some((f) => typeof f === 'string' && f.startsWith('40')), timeoutMs, 'Socket.IO CONNECT answer')
    return this
  }

  send (text) { this.ws.send(text) }

  emit (name, ...args) { this.ws.send('42' + JSON.stringify([name, ...args])) }

  /** Emit with an acknowledgement; resolves with the ack's argument array. */
  emitWithAck (name, ...args) {
    const id = this.nextAck++
    const p = new Promise((resolve) => this.acks.set(id, resolve))
    this.ws.send(`42${id}` + JSON.stringify([name, ...args]))
    return p
  }

  eventsNamed (name) { return this.events.filter((e) => e.name === name) }

  waitEvent (name, pred = () => true, timeoutMs = 3000) {
    return this.until(() => this.events.find((e) => e.name === name && pred(e.args[0])), timeoutMs, `event '${name}'`)
  }

  waitClose (timeoutMs = 3000) {
    return this.until(() => this.closed, timeoutMs, 'close')
  }

  /**
   * Stop answering WebSocket pings and Engine.IO pings; keep the TCP connection open.
   * stopReading: also stop reading the socket (no close handshake either).
   */
  freeze ({ stopReading = false } = {}) {
    this.frozen = true
    if (stopReading) this.ws._socket?.pause()
  }

  close () {
    open.delete(this)
    try { this.ws.terminate() } catch {}
  }
}

/** Connect a raw client to the daemon (EIO=4, websocket). */
export async function rawConnect (daemon, { path = '/socket.io' } = {}) {
  const c = new RawClient(`ws://127.0.0.1:${daemon.port}${path}/?EIO=4&transport=websocket`)
  return c.connect()
}

export function closeAllRaw () {
  for (const c of [...open]) c.close()
  open.clear()
}
