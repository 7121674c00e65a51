// WebSocket at the byte level, for attacks the `ws` library will not make: a frame announced
// at 1 MB and never finished, close frames with any code, pings by the thousand, a client that
// never reads. Every socket opened here is remembered; destroyAllWire() closes them.

import net from 'node:net'
import { randomBytes } from 'node:crypto'

const open = new Set()

/** A masked client frame (FIN set unless fin=false). */
export function clientFrame (opcode, payload = Buffer.alloc(0), { fin = true } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
  return Buffer.concat([frameHeader(opcode, data.length, { fin }), mask(data)])
}

const MASK = Buffer.from([1, 2, 3, 4])

/** The header (and mask key) of a masked client frame announcing `length` payload bytes. */
export function frameHeader (opcode, length, { fin = true } = {}) {
  const first = (fin ? 0x80 : 0) | opcode
  let h
  if (length < 126) h = Buffer.from([first, 0x80 | length])
  else if (length <= 0xffff) h = Buffer.from([first, 0x80 | 126, length >> 8, length & 0xff])
  else {
    h = Buffer.alloc(10)
    h[0] = first
    h[1] = 0x80 | 127
    h.writeBigUInt64BE(BigInt(length), 2)
  }
  return Buffer.concat([h, MASK])
}

/** `data` masked with the key frameHeader uses (for payload sent in pieces, from its start). */
export function mask (data) {
  const out = Buffer.from(data)
  for (let i = 0; i < out.length; i++) out[i] ^= MASK[i & 3]
  return out
}

/** A close frame's payload: the code, big-endian, then the reason bytes. */
export function closePayload (code, reason = Buffer.alloc(0)) {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(code)
  return Buffer.concat([b, Buffer.isBuffer(reason) ? reason : Buffer.from(reason)])
}

/**
 * Opens a TCP connection and upgrades it to a WebSocket (Engine.IO `eio`, default 4).
 * Resolves with { socket, frames, closeCode, closed, rest }: frames are the server's frames
 * parsed so far ({ opcode, payload }), closeCode the code of its close frame once one came.
 */
export function upgrade (port, { path = '/socket.io/', eio = 4, read = true, autoPong = true, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    open.add(socket)
    const conn = { socket, frames: [], closeCode: null, closed: false, waiters: new Set(), bytes: 0 }
    let buf = Buffer.alloc(0)
    let upgraded = false
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no 101 in time')) }, timeoutMs)
    socket.on('error', () => {})
    socket.on('close', () => { conn.closed = true; open.delete(socket); notify(conn) })
    socket.on('data', (chunk) => {
      conn.bytes += chunk.length
      buf = Buffer.concat([buf, chunk])
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString()
        buf = buf.subarray(end + 4)
        clearTimeout(timer)
        if (!head.startsWith('HTTP/1.1 101')) { socket.destroy(); reject(new Error(`not upgraded: ${head}`)); return }
        upgraded = true
        if (!read) socket.pause()
        resolve(conn)
      }
      const before = conn.frames.length
      buf = parseFrames(buf, conn)
      if (autoPong) {
        for (const f of conn.frames.slice(before)) {
          if (f.opcode === 9) socket.write(clientFrame(10, f.payload)) // WebSocket ping
          if (f.opcode === 1 && f.payload.length === 1 && f.payload[0] === 0x32) socket.write(clientFrame(1, '3')) // Engine.IO ping
        }
      }
      notify(conn)
    })
    const key = randomBytes(16).toString('base64')
    socket.write(`GET ${path}?EIO=${eio}&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
  })
}

function parseFrames (buf, conn) {
  for (;;) {
    if (buf.length < 2) return buf
    let len = buf[1] & 0x7f
    let off = 2
    if (len === 126) { if (buf.length < 4) return buf; len = buf.readUInt16BE(2); off = 4 }
    if (len === 127) { if (buf.length < 10) return buf; len = Number(buf.readBigUInt64BE(2)); off = 10 }
    if (buf.length < off + len) return buf
    const frame = { opcode: buf[0] & 0x0f, payload: buf.subarray(off, off + len) }
    conn.frames.push(frame)
    if (frame.opcode === 8) conn.closeCode = len >= 2 ? frame.payload.readUInt16BE(0) : 1005
    buf = buf.subarray(off + len)
  }
}

function notify (conn) { for (const w of [...conn.waiters]) w() }

/** Waits until pred(conn) holds (checked on every chunk and on close). */
export function until (conn, pred, timeoutMs = 3000, what = 'condition') {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pred(conn)) return false
      clearTimeout(timer)
      conn.waiters.delete(check)
      resolve(conn)
      return true
    }
    const timer = setTimeout(() => {
      conn.waiters.delete(check)
      reject(new Error(`wire: ${what} not reached in ${timeoutMs} ms (closed ${conn.closed}, close code ${conn.closeCode}, ${conn.frames.length} frames)`))
    }, timeoutMs)
    if (!check()) conn.waiters.add(check)
  })
}

/** Text frames the server sent, as strings. */
export function texts (conn) {
  return conn.frames.filter((f) => f.opcode === 1).map((f) => f.payload.toString())
}

/** A raw HTTP request on a fresh connection; resolves with the status line's code (or null if closed without one). */
// `localAddress`: the client's source address (127.0.0.x); `whole`: resolve the whole answer as text,
// read until the server closes, instead of the status.
export function rawHttp (port, request, { timeoutMs = 5000, localAddress, whole = false } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress })
    open.add(socket)
    let data = ''
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      open.delete(socket)
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data)
      resolve(whole ? data : m ? Number(m[1]) : null)
    }
    const timer = setTimeout(done, timeoutMs)
    socket.on('error', () => {})
    socket.on('data', (c) => { data += c.toString('latin1'); if (!whole && /\r\n\r\n/.test(data)) done() })
    socket.on('close', done)
    socket.write(request)
  })
}

export function destroyAllWire () {
  for (const s of [...open]) s.destroy()
  open.clear()
}

/** A raw (wire) client that has done the Socket.IO CONNECT and joined as `addr` (unless `read` is false,
 * once the join's ack is back), for scenarios that read only when told. */
export async function wireJoin (daemon, addr, opts) {
  const c = await upgrade(daemon.port, opts)
  c.socket.write(clientFrame(1, '40'))
  c.socket.write(clientFrame(1, '421' + JSON.stringify(['ss-join', addr])))
  if (opts?.read !== false) await until(c, (x) => texts(x).includes('431[null]'), 3000, 'join ack')
  return c
}
