// A real socket.io-client v4 against a running webrtc-star-server (the container, in scripts/container-test).
//
//   node deploy/tests/container-client.mjs http://127.0.0.1:PORT    (or https://, for wss://)
//
// Two peers connect over WebSocket (one at /socket.io/, one at /socket.io-next/), join with valid
// webrtc-star addresses, must hear of each other (ws-peer), and relay an offer and its answer
// (ss-handshake in, ws-handshake out); a handshake to an absent peer must come back with an error.
// The client is the one the black-box tests install (tests/blackbox/node_modules/sio-v4, from
// `scripts/bootstrap --tests`); SIO_CLIENT_DIR may name another directory whose node_modules has it.
// Exits 0 when everything held, 1 with the reason otherwise.

import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const clientDir = process.env.SIO_CLIENT_DIR ?? path.join(repoRoot, 'tests', 'blackbox')
const { io } = createRequire(path.join(clientDir, 'package.json'))('sio-v4')

const url = process.argv[2]
if (!url) {
  console.error('usage: container-client.mjs http://HOST:PORT')
  process.exit(2)
}
const { port, protocol } = new URL(url)
const ws = protocol === 'https:' ? 'wss' : 'ws'
const TIMEOUT_MS = 5000

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** A fresh "Qm..." peer id: base58btc of the sha2-256 multihash 0x12 0x20 <32 random bytes>. */
function peerId () {
  let n = 0n
  for (const b of Buffer.concat([Buffer.from([0x12, 0x20]), randomBytes(32)])) n = n * 256n + BigInt(b)
  let out = ''
  for (; n > 0n; n /= 58n) out = B58[Number(n % 58n)] + out
  return out
}

const starAddr = (id) => `/ip4/127.0.0.1/tcp/${port}/${ws}/p2p-webrtc-star/p2p/${id}`

function withTimeout (promise, what) {
  let timer
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Resolves with the first `event` whose argument satisfies pred, including ones already received. */
function recorder (socket) {
  const seen = []
  const waiters = new Set()
  socket.onAny((event, arg) => {
    seen.push({ event, arg })
    for (const w of [...waiters]) w()
  })
  return (event, pred, what) => withTimeout(new Promise((resolve) => {
    const check = () => {
      const hit = seen.find((e) => e.event === event && pred(e.arg))
      if (hit) { waiters.delete(check); resolve(hit.arg) }
    }
    waiters.add(check)
    check()
  }), what)
}

async function connect (name, path) {
  const socket = io(url, { path, transports: ['websocket'], forceNew: true, reconnection: false, timeout: TIMEOUT_MS })
  const waitFor = recorder(socket)
  await withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', (err) => reject(new Error(`${name} could not connect at ${path}: ${err.message}`)))
  }), `${name} connect at ${path}`)
  return { name, socket, waitFor }
}

async function join (peer, addr) {
  const [err] = await withTimeout(new Promise((resolve) => peer.socket.emit('ss-join', addr, (...args) => resolve(args))),
    `${peer.name} ss-join ack`)
  if (err) throw new Error(`${peer.name} join refused: ${err}`)
}

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b)

async function main () {
  const a = await connect('A', '/socket.io')
  const b = await connect('B', '/socket.io-next')
  try {
    const addrA = starAddr(peerId())
    const addrB = starAddr(peerId())
    await join(a, addrA)
    await join(b, addrB)
    await a.waitFor('ws-peer', (x) => x === addrB, 'A hears of B (ws-peer)')
    await b.waitFor('ws-peer', (x) => x === addrA, 'B hears of A (ws-peer)')
    console.log('ok ws-peer: both peers announced to each other')

    const intentId = randomBytes(8).toString('hex')
    const offer = { srcMultiaddr: addrA, dstMultiaddr: addrB, intentId, signal: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } }
    a.socket.emit('ss-handshake', offer)
    const got = await b.waitFor('ws-handshake', (x) => x?.intentId === intentId, 'B receives the offer (ws-handshake)')
    if (!sameJson(got, offer)) throw new Error(`offer changed in transit: sent ${JSON.stringify(offer)}, got ${JSON.stringify(got)}`)
    console.log('ok ss-handshake -> ws-handshake: offer relayed unchanged A -> B')

    const answer = { ...offer, signal: { type: 'answer', sdp: 'v=0\r\n' }, answer: true }
    b.socket.emit('ss-handshake', answer)
    await a.waitFor('ws-handshake', (x) => x?.intentId === intentId && x.answer === true, 'A receives the answer (ws-handshake)')
    console.log('ok ss-handshake -> ws-handshake: answer relayed B -> A')

    const absent = { ...offer, dstMultiaddr: starAddr(peerId()), intentId: 'absent' }
    a.socket.emit('ss-handshake', absent)
    await a.waitFor('ws-handshake', (x) => x?.intentId === 'absent' && typeof x.err === 'string', 'A told the absent peer is not available')
    console.log('ok ss-handshake to an absent peer: "peer is not available"')
  } finally {
    a.socket.close()
    b.socket.close()
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`FAIL ${err.message}`)
  process.exit(1)
})
