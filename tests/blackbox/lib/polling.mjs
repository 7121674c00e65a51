// A hand-made Engine.IO long-polling client over node's fetch, to check exact answers:
// status codes, error bodies, payload framing (v4: records joined by \x1e; v3:
// <length in UTF-16 units>:<packet>) and the upgrade sequence.

/** Split a polling payload into packets. */
export function decodePayload (eio, text) {
  if (eio === 4) return text === '' ? [] : text.split('\x1e')
  const out = []
  let i = 0
  while (i < text.length) {
    const colon = text.indexOf(':', i)
    const n = Number(text.slice(i, colon))
    out.push(text.slice(colon + 1, colon + 1 + n)) // JS string lengths are UTF-16 units
    i = colon + 1 + n
  }
  return out
}

export function encodePayload (eio, packets) {
  if (eio === 4) return packets.join('\x1e')
  return packets.map((p) => `${p.length}:${p}`).join('')
}

export class PollingClient {
  constructor (daemon, { path = '/socket.io', eio = 4 } = {}) {
    this.base = `http://127.0.0.1:${daemon.port}${path}/?EIO=${eio}&transport=polling`
    this.eio = eio
    this.sid = null
  }

  url () { return this.sid ? `${this.base}&sid=${this.sid}` : this.base }

  /** The handshake: returns the open packet's JSON. */
  async open () {
    const res = await fetch(this.url(), { signal: AbortSignal.timeout(5000) })
    if (res.status !== 200) throw new Error(`handshake: ${res.status} ${await res.text()}`)
    const packets = decodePayload(this.eio, await res.text())
    if (!packets[0].startsWith('0')) throw new Error(`handshake: no open packet: ${packets}`)
    this.handshake = JSON.parse(packets[0].slice(1))
    this.sid = this.handshake.sid
    return this.handshake
  }

  /** One GET: {status, text, packets}. */
  async get (timeoutMs = 10000) {
    const res = await fetch(this.url(), { signal: AbortSignal.timeout(timeoutMs) })
    const text = await res.text()
    return { status: res.status, text, packets: res.status === 200 ? decodePayload(this.eio, text) : [] }
  }

  /** One POST of `packets` (an array) or of a raw body (a string): {status, text}. */
  async post (packets, timeoutMs = 5000) {
    const body = typeof packets === 'string' ? packets : encodePayload(this.eio, packets)
    const res = await fetch(this.url(), { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' }, signal: AbortSignal.timeout(timeoutMs) })
    return { status: res.status, text: await res.text() }
  }
}

/**
 * A polling session that has joined as `addr`: the Socket.IO CONNECT (Engine.IO 4) and the
 * join go in one POST, and GETs read until the join's ack. Then it polls only when told.
 */
export async function pollingJoin (daemon, addr, { eio = 4, path } = {}) {
  const c = new PollingClient(daemon, { eio, path })
  await c.open()
  const join = '421' + JSON.stringify(['ss-join', addr])
  const { status } = await c.post(eio === 4 ? ['40', join] : [join])
  if (status !== 200) throw new Error(`join POST: ${status}`)
  for (let i = 0; i < 5; i++) {
    const r = await c.get(3000)
    if (r.packets.includes('431[null]')) return c
  }
  throw new Error(`no ack for the join of ${addr}`)
}

/**
 * Upgrades the polling session of `client` to a byte-level WebSocket (wire.mjs's connection,
 * passed in as `upgrade` to keep this file free of sockets): "2probe", "3probe", then "5".
 * wire.mjs appends "?EIO=..&transport=websocket" to the path it is given, so the sid rides in
 * front and the appended "?EIO=.." lands in a parameter of no meaning.
 */
export async function upgradeSession (daemon, client, { upgrade, until, texts, clientFrame }, opts = {}) {
  const path = `/socket.io/?EIO=${client.eio}&sid=${client.sid}&unused=`
  const ws = await upgrade(daemon.port, { ...opts, eio: client.eio, path })
  ws.socket.write(clientFrame(1, '2probe'))
  await until(ws, (x) => texts(x).includes('3probe'), 3000, '3probe')
  ws.socket.write(clientFrame(1, '5'))
  return ws
}
