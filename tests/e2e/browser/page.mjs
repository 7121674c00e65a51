// Browser side of the e2e tests: one libp2p node (libp2p 0.45 +
// @libp2p/webrtc-star 7 + noise + mplex) using the browser's own WebRTC.
// Bundled by esbuild (see lib/browser.mjs) and driven by the test through
// Playwright: the test calls window.e2e.<cmd>(args); the page reports events
// through window.e2eEmit (a function the test exposes), mirroring
// lib/peer-worker.mjs so both kinds of peer are driven the same way.

import { createLibp2p } from 'libp2p'
import { pingService } from 'libp2p/ping'
import { webRTCStar } from '@libp2p/webrtc-star'
import { noise } from '@chainsafe/libp2p-noise'
import { mplex } from '@libp2p/mplex'
import { multiaddr } from '@multiformats/multiaddr'
import { loopbackOnly } from '../lib/loopback-rtc.mjs'

const ECHO_PROTOCOL = '/webrtc-star-e2e/echo/1.0.0'

let node = null
let transport = null

function emit (event, fields = {}) {
  const msg = { event, t: Date.now(), ...fields }
  if (typeof window.e2eEmit === 'function') window.e2eEmit(msg).catch(() => {})
}

async function digest (bytes) {
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(h, b => b.toString(16).padStart(2, '0')).join('')
}

function randomPayload (size) {
  const out = new Uint8Array(size)
  for (let off = 0; off < size; off += 65536) crypto.getRandomValues(out.subarray(off, Math.min(size, off + 65536)))
  return out
}

async function readAll (source) {
  const chunks = []
  let len = 0
  for await (const chunk of source) {
    const c = chunk.subarray()
    chunks.push(c)
    len += c.length
  }
  const out = new Uint8Array(len)
  let off = 0
  for (const c of chunks) { out.set(c, off); off += c.length }
  return out
}

function watchSignalling () {
  for (const [url, sig] of transport.sigServers) {
    if (sig.__e2eWatched) continue
    sig.__e2eWatched = true
    sig.socket.on('connect', () => emit('sig-connect', { url }))
    sig.socket.on('disconnect', (reason) => emit('sig-disconnect', { url, reason: String(reason) }))
  }
}

const commands = {
  async start ({ listen }) {
    const star = webRTCStar({
      wrtc: {
        RTCPeerConnection: loopbackOnly(globalThis.RTCPeerConnection),
        RTCSessionDescription: globalThis.RTCSessionDescription,
        RTCIceCandidate: globalThis.RTCIceCandidate
      }
    })
    node = await createLibp2p({
      addresses: { listen },
      transports: [(components) => { transport = star.transport(components); return transport }],
      peerDiscovery: [star.discovery],
      connectionEncryption: [noise()],
      streamMuxers: [mplex()],
      connectionManager: { minConnections: 0 },
      // libp2p's browser default refuses to dial private/loopback addresses;
      // everything in these tests is on 127.0.0.1
      connectionGater: { denyDialMultiaddr: async () => false },
      services: { ping: pingService() },
      start: false
    })
    star.discovery().addEventListener('peer', (evt) => {
      emit('ws-peer', { peerId: evt.detail.id.toString(), multiaddrs: evt.detail.multiaddrs.map(ma => ma.toString()) })
    })
    node.addEventListener('peer:connect', (evt) => emit('peer-connect', { peerId: evt.detail.toString() }))
    node.addEventListener('peer:disconnect', (evt) => emit('peer-disconnect', { peerId: evt.detail.toString() }))
    await node.handle(ECHO_PROTOCOL, ({ stream, connection }) => {
      emit('echo-served', { remotePeer: connection.remotePeer.toString() })
      stream.sink(stream.source).catch((err) => emit('log', { message: `echo handler: ${err.message}` }))
    })
    await node.start()
    watchSignalling()
    return { peerId: node.peerId.toString(), multiaddrs: node.getMultiaddrs().map(ma => ma.toString()) }
  },

  async echo ({ ma, size = 65536, timeoutMs = 20000 }) {
    const started = Date.now()
    const stream = await node.dialProtocol(multiaddr(ma), ECHO_PROTOCOL, { signal: AbortSignal.timeout(timeoutMs) })
    const payload = randomPayload(size)
    const [, received] = await Promise.all([
      stream.sink((async function * () {
        for (let off = 0; off < payload.length; off += 16384) yield payload.subarray(off, off + 16384)
      })()),
      readAll(stream.source)
    ])
    return {
      sent: payload.length,
      received: received.length,
      equal: (await digest(payload)) === (await digest(received)),
      ms: Date.now() - started
    }
  },

  async ping ({ ma, timeoutMs = 20000 }) {
    return await node.services.ping.ping(multiaddr(ma), { signal: AbortSignal.timeout(timeoutMs) })
  },

  async connections () {
    return node.getConnections().map(c => ({
      remotePeer: c.remotePeer.toString(),
      remoteAddr: c.remoteAddr.toString(),
      direction: c.stat.direction,
      status: c.stat.status
    }))
  },

  async hangUp ({ ma }) {
    await node.hangUp(multiaddr(ma))
    return true
  },

  async dialable () {
    return [...transport.sigServers.keys()]
  },

  async stop () {
    if (node != null) await node.stop()
    node = null
    return true
  }
}

window.e2e = {
  async call (cmd, args) {
    const fn = commands[cmd]
    if (fn == null) throw new Error(`unknown command ${cmd}`)
    try {
      return { ok: true, result: await fn(args ?? {}) }
    } catch (err) {
      return { ok: false, error: { message: String(err?.message ?? err), code: err?.code, stack: err?.stack } }
    }
  }
}
window.addEventListener('unhandledrejection', (evt) => emit('log', { message: `unhandledrejection: ${evt.reason?.stack ?? evt.reason}` }))
emit('ready', { userAgent: navigator.userAgent })
