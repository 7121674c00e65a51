// Real clients: socket.io-client v2, v3 and v4 on both paths and both transports. Two peers
// join; one dials the other, the other answers; a dial to a peer that is not there; a leave.

import { createClient, closeClient } from '../../blackbox/lib/clients.mjs'
import { sleep } from '../lib/context.mjs'

const EVENTS = ['ws-peer', 'ws-handshake', 'error']

async function clientPeer (ctx, version, path, transport, name, log) {
  const socket = createClient(version, ctx.server.url, {
    path,
    extra: { transports: [transport], upgrade: false }
  })
  for (const ev of EVENTS) {
    socket.on(ev, (arg) => {
      const text = ctx.norm(JSON.stringify(arg))
      if (!ctx.foreign(`42["${ev}",${text}]`)) log.push(`${name} <- ${ev} ${text}`)
    })
  }
  socket.on('disconnect', (reason) => log.push(`${name} disconnect ${reason}`))
  await new Promise((resolve) => {
    const timer = setTimeout(() => { log.push(`${name} connect timeout`); resolve() }, 6000)
    socket.once('connect', () => { clearTimeout(timer); log.push(`${name} connected`); resolve() })
    socket.once('connect_error', (err) => { clearTimeout(timer); log.push(`${name} connect_error ${err?.message}`); resolve() })
  })
  return socket
}

/** Waits until `log` stops growing for `quietMs` (at most `maxMs`). */
async function quiet (log, quietMs = 500, maxMs = 5000) {
  const t0 = Date.now()
  let n = log.length
  let since = Date.now()
  while (Date.now() - t0 < maxMs) {
    await sleep(50)
    if (log.length !== n) { n = log.length; since = Date.now() }
    if (Date.now() - since >= quietMs) return
  }
}

async function clientScenario (ctx, version, path, transport) {
  const log = []
  const b = await clientPeer(ctx, version, path, transport, 'B', log)
  b.emit('ss-join', ctx.addr('B'))
  await quiet(log, 300)
  const a = await clientPeer(ctx, version, path, transport, 'A', log)
  a.emit('ss-join', ctx.addr('A'))
  await quiet(log)
  const offer = { srcMultiaddr: ctx.addr('A'), dstMultiaddr: ctx.addr('B'), intentId: 'i-1', signal: { type: 'offer', sdp: 'v=0' } }
  a.emit('ss-handshake', offer)
  await quiet(log)
  b.emit('ss-handshake', { ...offer, answer: true, signal: { type: 'answer', sdp: 'v=0' } })
  await quiet(log)
  a.emit('ss-handshake', { ...offer, dstMultiaddr: ctx.addr('Z'), intentId: 'i-2' })
  await quiet(log)
  b.emit('ss-leave')
  await sleep(100)
  a.emit('ss-handshake', { ...offer, intentId: 'i-3' })
  await quiet(log)
  closeClient(b)
  await quiet(log, 300)
  closeClient(a)
  // What A is told of B on joining differs by design (sequence/join_announces_to_others).
  return log.filter((l) => l !== `A <- ws-peer ${JSON.stringify(ctx.addr('B')).replace(ctx.id('B'), '<B>')}`)
}

export function clientScenarios () {
  const list = []
  for (const version of ['v2', 'v3', 'v4']) {
    for (const path of ['/socket.io', '/socket.io-next']) {
      for (const transport of ['websocket', 'polling']) {
        list.push({ id: `client/${version}${path}/${transport}`, kind: 'client', run: (ctx) => clientScenario(ctx, version, path, transport) })
      }
    }
  }
  for (const version of ['v2', 'v3', 'v4']) {
    list.push({ id: `client/${version}/namespace_other`, kind: 'client', run: (ctx) => otherNamespace(ctx, version) })
  }
  return list
}

async function otherNamespace (ctx, version) {
  const log = []
  const s = createClient(version, `${ctx.server.url}/other`, { extra: { transports: ['websocket'] } })
  s.on('error', (err) => log.push(`error ${JSON.stringify(err)}`))
  await new Promise((resolve) => {
    const timer = setTimeout(() => { log.push('timeout'); resolve() }, 5000)
    s.once('connect', () => { clearTimeout(timer); log.push('connected'); resolve() })
    s.once('connect_error', (err) => { clearTimeout(timer); log.push(`connect_error ${err?.message}`); resolve() })
  })
  closeClient(s)
  return log
}
