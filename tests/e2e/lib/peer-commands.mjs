// The commands a test sends to one libp2p peer (libp2p 0.45 + @libp2p/webrtc-star 7 + noise +
// mplex), the same in Node.js (lib/peer-worker.mjs, over IPC) and in Chromium (browser/page.mjs,
// bundled by esbuild, through Playwright). What differs is passed in: the WebRTC implementation,
// randomness and hashing, and how events reach the test.

import { createLibp2p } from 'libp2p'
import { pingService } from 'libp2p/ping'
import { webRTCStar } from '@libp2p/webrtc-star'
import { noise } from '@chainsafe/libp2p-noise'
import { mplex } from '@libp2p/mplex'
import { multiaddr } from '@multiformats/multiaddr'
import { loopbackOnly } from './loopback-rtc.mjs'

export const ECHO_PROTOCOL = '/webrtc-star-e2e/echo/1.0.0'

/**
 * @param {object} platform
 * @param {{RTCPeerConnection, RTCSessionDescription, RTCIceCandidate}} platform.wrtc
 * @param {(size:number)=>Uint8Array} platform.randomPayload
 * @param {(bytes:Uint8Array)=>string|Promise<string>} platform.sha256 hex digest
 * @param {(event:string, fields?:object)=>void} platform.emit
 */
export function peerCommands ({ wrtc, randomPayload, sha256, emit }) {
  let node = null
  let transport = null

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
      sig.socket.on('error', (err) => emit('sig-error', { url, message: String(err?.message ?? err) }))
    }
  }

  const commands = {
    async start ({ listen }) {
      const star = webRTCStar({ wrtc: { ...wrtc, RTCPeerConnection: loopbackOnly(wrtc.RTCPeerConnection) } })
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
        equal: (await sha256(payload)) === (await sha256(received)),
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

  return commands
}
