// What a scenario runs with: the server it talks to, fresh peer ids by name, and the
// normalisation that makes two runs comparable (ids, sids and ports become names).

import { peerId } from '../../blackbox/lib/clients.mjs'

export class Context {
  constructor (server) {
    this.server = server
    this.ids = new Map() // name -> generated peer id
    this.sids = new Map() // sid -> <sidN>
  }

  id (name) {
    if (!this.ids.has(name)) this.ids.set(name, peerId())
    return this.ids.get(name)
  }

  /** A webrtc-star address for the named peer (port 9090 whatever the server's: neither server checks it). */
  addr (name) { return `/ip4/127.0.0.1/tcp/9090/ws/p2p-webrtc-star/p2p/${this.id(name)}` }

  wsUrl (path = '/socket.io', eio = 4, extra = '') {
    return `ws://127.0.0.1:${this.server.port}${path}/?EIO=${eio}&transport=websocket${extra}`
  }

  httpUrl (pathAndQuery) { return `http://127.0.0.1:${this.server.port}${pathAndQuery}` }

  /** Replaces what legitimately varies between runs by stable names. */
  norm (text) {
    if (typeof text !== 'string') return text
    let out = text
    for (const [name, id] of this.ids) out = out.split(id).join(`<${name}>`)
    out = out.replace(/"sid":"([^"]+)"/g, (_, sid) => `"sid":"${this.sidName(sid)}"`)
    for (const [sid, name] of this.sids) out = out.split(sid).join(name)
    out = out.split(String(this.server.port)).join('<port>')
    return out
  }

  // Every sid reads <sid>: Socket.IO's own sid may equal Engine.IO's or not, and no client
  // can tell. The last one seen is kept for scenarios that reuse it.
  sidName (sid) {
    this.sids.set(sid, '<sid>')
    this.lastSid = sid
    return '<sid>'
  }

  /**
   * A frame about peers of other scenarios running on the same server at the same time: a
   * ws-peer that names none of this scenario's peers (the reference also announces whatever a
   * bogus ss-join sent, 0 or "hello", to everyone: that shows in the scenario that sends it as
   * the sender's own observation, not in every other one).
   */
  foreign (normalised) {
    return /^42\["ws-peer",/.test(normalised) && !/<[A-Z][A-Za-z0-9]*>/.test(normalised)
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A short string (what a transcript keeps of a large frame: its length and both ends). */
export function short (s, max = 300) {
  if (typeof s !== 'string' || s.length <= max) return s
  return `${s.slice(0, 120)}…(${s.length} chars)…${s.slice(-60)}`
}
