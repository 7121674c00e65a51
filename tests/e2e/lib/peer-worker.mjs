// One libp2p node (libp2p 0.45 + @libp2p/webrtc-star 7 + noise + mplex +
// @roamhq/wrtc) in its own process, driven by the test through Node's IPC
// channel (child_process.fork). Keeping every node in a child process means a
// test can always kill it (SIGKILL) whatever state the native WebRTC stack is
// in, and a crash of one node never takes the test runner down.
//
// Parent -> child: { id, cmd, args }       child -> parent: { id, ok, result | error }
// Child -> parent events: { event, ... }   (see `emit` calls below)

import { createLibp2p } from 'libp2p'
import { pingService } from 'libp2p/ping'
import { webRTCStar } from '@libp2p/webrtc-star'
import { noise } from '@chainsafe/libp2p-noise'
import { mplex } from '@libp2p/mplex'
import { multiaddr } from '@multiformats/multiaddr'
import { createRequire } from 'node:module'
import { randomBytes, createHash } from 'node:crypto'
import { loopbackOnly } from './loopback-rtc.mjs'

const require = createRequire(import.meta.url)
const wrtc = require('@roamhq/wrtc')

export const ECHO_PROTOCOL = '/webrtc-star-e2e/echo/1.0.0'

let node = null
let transport = null

function emit (event, fields = {}) {
  if (process.connected) process.send({ event, t: Date.now(), ...fields })
}

function sha256 (buf) {
  return createHash('sha256').update(buf).digest('hex')
}

async function readAll (source) {
  const chunks = []
  for await (const chunk of source) {
    chunks.push(Buffer.from(chunk.subarray()))
  }
  return Buffer.concat(chunks)
}

function watchSignalling () {
  // The transport keeps one SigServer (a socket.io-client socket) per
  // signalling URL. We only observe its socket to report (re)connections.
  for (const [url, sig] of transport.sigServers) {
    if (sig.__e2eWatched) continue
    sig.__e2eWatched = true
    sig.socket.on('connect', () => emit('sig-connect', { url }))
    sig.socket.on('disconnect', (reason) => emit('sig-disconnect', { url, reason: String(reason) }))
    sig.socket.on('error', (err) => emit('sig-error', { url, message: String(err?.message ?? err) }))
  }
}

const commands = {
  async start ({ listen }) {
    const star = webRTCStar({
      wrtc: { ...wrtc, RTCPeerConnection: loopbackOnly(wrtc.RTCPeerConnection) }
    })
    const transportFactory = (components) => {
      transport = star.transport(components)
      return transport
    }
    node = await createLibp2p({
      addresses: { listen },
      transports: [transportFactory],
      peerDiscovery: [star.discovery],
      connectionEncryption: [noise()],
      streamMuxers: [mplex()],
      // no auto-dialling: the test decides who dials whom
      connectionManager: { minConnections: 0 },
      services: { ping: pingService() },
      start: false
    })
    // Every `ws-peer` the signalling server sends becomes a discovery event
    // of the transport's discovery (also repeats, unlike libp2p's
    // peer:discovery, which fires only for peers new to the peer store).
    star.discovery().addEventListener('peer', (evt) => {
      emit('ws-peer', {
        peerId: evt.detail.id.toString(),
        multiaddrs: evt.detail.multiaddrs.map(ma => ma.toString())
      })
    })
    node.addEventListener('peer:connect', (evt) => emit('peer-connect', { peerId: evt.detail.toString() }))
    node.addEventListener('peer:disconnect', (evt) => emit('peer-disconnect', { peerId: evt.detail.toString() }))
    await node.handle(ECHO_PROTOCOL, ({ stream, connection }) => {
      emit('echo-served', { remotePeer: connection.remotePeer.toString() })
      stream.sink(stream.source).catch((err) => emit('log', { message: `echo handler: ${err.message}` }))
    })
    await node.start()
    watchSignalling()
    return {
      peerId: node.peerId.toString(),
      multiaddrs: node.getMultiaddrs().map(ma => ma.toString())
    }
  },

  async echo ({ ma, size = 65536, timeoutMs = 20000 }) {
    const started = Date.now()
    const signal = AbortSignal.timeout(timeoutMs)
    const stream = await node.dialProtocol(multiaddr(ma), ECHO_PROTOCOL, { signal })
    const payload = randomBytes(size)
    const [, received] = await Promise.all([
      stream.sink((async function * () {
        // several writes so the data crosses the data channel in pieces
        for (let off = 0; off < payload.length; off += 16384) yield payload.subarray(off, off + 16384)
      })()),
      readAll(stream.source)
    ])
    return {
      sent: payload.length,
      received: received.length,
      equal: sha256(payload) === sha256(received),
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
    // URLs of the signalling servers the transport can dial through now
    // (the transport drops an entry on disconnect and restores it on reconnect)
    return [...transport.sigServers.keys()]
  },

  async stop () {
    if (node != null) await node.stop()
    node = null
    return true
  }
}

process.on('message', async (msg) => {
  if (msg == null || typeof msg !== 'object' || msg.cmd == null) return
  const fn = commands[msg.cmd]
  try {
    if (fn == null) throw new Error(`unknown command ${msg.cmd}`)
    const result = await fn(msg.args ?? {})
    if (process.connected) process.send({ id: msg.id, ok: true, result })
  } catch (err) {
    if (process.connected) {
      process.send({ id: msg.id, ok: false, error: { message: String(err?.message ?? err), code: err?.code, stack: err?.stack } })
    }
  }
})

// The parent went away (test finished, crashed or timed out): exit at once.
process.on('disconnect', () => process.exit(0))
process.on('unhandledRejection', (err) => emit('log', { message: `unhandledRejection: ${err?.stack ?? err}` }))
process.on('uncaughtException', (err) => emit('log', { message: `uncaughtException: ${err?.stack ?? err}` }))

emit('ready', { pid: process.pid, node: process.version })
