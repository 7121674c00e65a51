// webrtc-star's vocabulary for tests: peer ids, join addresses, offers and answers, and the checks
// every suite makes on a handshake. A peer here is what the socket.io helpers of
// tests/blackbox/lib/clients.mjs return, {socket, rec, addr}; nothing here needs a client library.

import { randomBytes } from 'node:crypto'
import { eventually } from './wait.mjs'

/** What a caller is told when the callee is not (or no longer) there. */
export const PEER_NOT_AVAILABLE = 'peer is not available'

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** base58btc (bitcoin alphabet) encoding of a byte array. */
export function base58btc (bytes) {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  let n = 0n
  for (const b of bytes) n = n * 256n + BigInt(b)
  let out = ''
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out
    n /= 58n
  }
  return '1'.repeat(zeros) + out
}

/** A fresh, valid "Qm..." peer id: base58btc of the sha2-256 multihash 0x12 0x20 <32 random bytes>. */
export function peerId () {
  return base58btc(Buffer.concat([Buffer.from([0x12, 0x20]), randomBytes(32)]))
}

/**
 * A webrtc-star join address.
 * prefix: 'ip4' (/ip4/127.0.0.1), 'dns4' (/dns4/localhost) or 'ip6' (/ip6/::1).
 */
export function joinAddr (port, id = peerId(), { prefix = 'ip4', wss = false } = {}) {
  const host = { ip4: '/ip4/127.0.0.1', dns4: '/dns4/localhost', ip6: '/ip6/::1' }[prefix]
  if (!host) throw new Error(`unknown prefix ${prefix}`)
  return `${host}/tcp/${port}/${wss ? 'wss' : 'ws'}/p2p-webrtc-star/p2p/${id}`
}

/** The peer id at the end of an address (/p2p/<id> or /ipfs/<id>). */
export function idOf (addr) {
  const m = /\/(?:p2p|ipfs)\/([^/]+)$/.exec(addr)
  return m ? m[1] : null
}

/** An offer from peer `from` to the address `dstAddr`. */
export function offer (from, dstAddr, extra = {}) {
  return {
    srcMultiaddr: from.addr,
    dstMultiaddr: dstAddr,
    intentId: `intent-${Math.random().toString(36).slice(2)}`,
    signal: { type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n' },
    ...extra
  }
}

/** The answer to `off`, as the callee sends it back. */
export function answerTo (off, extra = {}) {
  return { ...off, answer: true, signal: { type: 'answer', sdp: 'v=0\r\na=answer\r\n' }, ...extra }
}

/** `from` offers to `toAddr`: the first reply `from` gets to that offer, and how long it took. */
export async function offerAndWait (from, toAddr, timeoutMs = 3000) {
  const off = offer(from, toAddr)
  const t0 = Date.now()
  from.socket.emit('ss-handshake', off)
  const got = await from.rec.waitFor('ws-handshake', (h) => h?.intentId === off.intentId, timeoutMs)
  return { got, ms: Date.now() - t0 }
}

/** Offers from `from` to `dstAddr` are answered with err "peer is not available" (eventually). */
export async function eventuallyUnavailable (from, dstAddr, { timeoutMs = 3000, what } = {}) {
  await eventually(async () => {
    const { got } = await offerAndWait(from, dstAddr, 300).catch(() => ({ got: null }))
    return got?.err === PEER_NOT_AVAILABLE
  }, { timeoutMs, what: what ?? `offers to ${dstAddr} answered with "${PEER_NOT_AVAILABLE}"` })
}
