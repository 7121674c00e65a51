// Clients of a chosen source address (127.0.0.x), with a chosen Origin or forwarding headers,
// for the edge tests (client addresses, per-address limits, origins, proxies).

import http from 'node:http'
import WebSocket from 'ws'

const open = new Set()

/**
 * A WebSocket Engine.IO 4 session from `localAddress`: resolves { status } (101 or the refusal's
 * HTTP status) and, when accepted, { ws, emitWithAck } once Socket.IO is connected.
 */
export function wsSession (port, { localAddress = '127.0.0.1', origin, headers = {}, host = '127.0.0.1', timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${host}:${port}/socket.io/?EIO=4&transport=websocket`,
      { localAddress, origin, headers, perMessageDeflate: false })
    open.add(ws)
    const acks = new Map()
    let nextAck = 1
    const timer = setTimeout(() => { ws.terminate(); resolve({ status: null }) }, timeoutMs)
    const done = (v) => { clearTimeout(timer); resolve(v) }
    ws.on('unexpected-response', (req, res) => {
      let body = ''
      res.on('data', (c) => { body += c })
      res.on('end', () => { ws.terminate(); done({ status: res.statusCode, body }) })
    })
    ws.on('error', () => done({ status: null }))
    ws.on('close', () => { open.delete(ws); done({ status: null }) })
    ws.on('message', (data) => {
      const text = data.toString()
      if (text.startsWith('0')) ws.send('40')
      else if (text === '2') ws.send('3')
      else if (text.startsWith('40')) {
        done({
          status: 101,
          ws,
          close: () => ws.terminate(),
          emitWithAck: (name, ...args) => new Promise((resolve) => {
            const id = nextAck++
            acks.set(id, resolve)
            ws.send(`42${id}${JSON.stringify([name, ...args])}`)
          })
        })
      } else if (text.startsWith('43')) {
        const m = /^43(\d+)(.*)$/s.exec(text)
        const r = acks.get(Number(m[1]))
        if (r) { acks.delete(Number(m[1])); r(JSON.parse(m[2])) }
      }
    })
  })
}

/** One HTTP request from `localAddress`; resolves { status, headers, body } (status null: no answer). */
export function request (port, path, { localAddress = '127.0.0.1', headers = {}, method = 'GET', body, timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, localAddress, headers, agent: false, timeout: timeoutMs },
      (res) => {
        let data = ''
        res.on('data', (c) => { data += c })
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }))
      })
    req.on('error', () => resolve({ status: null }))
    req.on('timeout', () => { req.destroy(); resolve({ status: null }) })
    if (body) req.write(body)
    req.end()
  })
}

/** The Engine.IO polling handshake; resolves { status, sid }. */
export async function pollingHandshake (port, opts = {}) {
  const r = await request(port, '/socket.io/?EIO=4&transport=polling', opts)
  const m = /"sid":"([^"]+)"/.exec(r.body ?? '')
  return { ...r, sid: m?.[1] }
}

/** A PROXY protocol v2 header for a TCP4 client `src` (dotted) to 127.0.0.1. */
export function proxyV2 (src, srcPort = 40000, dstPort = 9090) {
  const h = Buffer.alloc(28)
  Buffer.from('\r\n\r\n\0\r\nQUIT\n', 'latin1').copy(h, 0)
  h[12] = 0x21
  h[13] = 0x11
  h.writeUInt16BE(12, 14)
  src.split('.').forEach((b, i) => { h[16 + i] = Number(b) })
  h.set([127, 0, 0, 1], 20)
  h.writeUInt16BE(srcPort, 24)
  h.writeUInt16BE(dstPort, 26)
  return h
}

export function closeAllEdge () {
  for (const s of [...open]) { try { s.terminate ? s.terminate() : s.destroy() } catch {} }
  open.clear()
}
