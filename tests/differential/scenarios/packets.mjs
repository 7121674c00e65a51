// Engine.IO and Socket.IO packets of every type, in the right and the wrong order, binary
// frames, heartbeats both ways, and leave/rejoin/disconnect sequences, over a raw WebSocket.

import { RawPeer, rawConnected, rawJoined, settle } from '../lib/raw-ws.mjs'
import { sleep } from '../lib/context.mjs'

/** A raw peer on `eio` sends `frames` (after its open packet, and CONNECT when `connect`). */
async function packetScenario (ctx, frames, { eio = 4, connect = true, path = '/socket.io', wait = {} } = {}) {
  const p = connect ? await rawConnected(ctx, { eio, path }) : await new RawPeer(ctx, { eio, path }).opened()
  await settle([p], { quietMs: 200 })
  if (connect || eio === 3) p.mark()
  for (const f of frames) {
    if (typeof f === 'number') await sleep(f)
    else p.send(f)
  }
  await settle([p], { quietMs: 500, maxMs: 5000, ...wait })
  const out = p.transcript()
  p.close()
  return out
}

const PACKETS_BEFORE_CONNECT = {
  eio_open: '0',
  eio_close: '1',
  eio_ping: '2',
  eio_pong: '3',
  eio_upgrade: '5',
  eio_noop: '6',
  eio_unknown_type: '7',
  eio_empty: '',
  eio_garbage: 'hello',
  sio_event_before_connect: '42["ss-leave"]',
  sio_connect_with_auth: '40{"token":"x"}',
  sio_connect_bad_auth: '40"token"',
  sio_connect_other_namespace: '40/other,',
  sio_disconnect_before_connect: '41',
  sio_unknown_type: '47',
  sio_garbage: '4x'
}

const PACKETS_AFTER_CONNECT = {
  second_connect: '40',
  disconnect: '41',
  disconnect_with_data: '41"bye"',
  ack: '43[null]',
  ack_with_id: '431[null]',
  ack_not_array: '431"x"',
  connect_error_from_client: '44{"message":"x"}',
  binary_event_header: '451-["ss-join",{"_placeholder":true,"num":0}]',
  binary_ack_header: '461-[{"_placeholder":true,"num":0}]',
  event_other_namespace: '42/other,["ss-leave"]',
  ack_id_huge: '4212345678901234567890["ss-leave"]',
  eio_ping_after_connect: '2',
  eio_noop_after_connect: '6',
  eio_close_after_connect: '1'
}

export function packetScenarios () {
  const list = []
  for (const [name, frame] of Object.entries(PACKETS_BEFORE_CONNECT)) {
    list.push({ id: `engineio/eio4/before_connect/${name}`, kind: 'packet', run: (ctx) => packetScenario(ctx, [frame], { connect: false }) })
  }
  for (const [name, frame] of Object.entries(PACKETS_AFTER_CONNECT)) {
    list.push({ id: `engineio/eio4/after_connect/${name}`, kind: 'packet', run: (ctx) => packetScenario(ctx, [frame]) })
    list.push({ id: `engineio/eio3/${name}`, kind: 'packet', run: (ctx) => packetScenario(ctx, [frame], { eio: 3 }) })
  }
  list.push(
    { id: 'binary/frame_after_connect', kind: 'binary', run: (ctx) => packetScenario(ctx, [Buffer.from([1, 2, 3])]) },
    { id: 'binary/frame_before_connect', kind: 'binary', run: (ctx) => packetScenario(ctx, [Buffer.from([4, 1, 2])], { connect: false }) },
    { id: 'binary/event_with_attachment', kind: 'binary', run: (ctx) => packetScenario(ctx, ['451-["hello",{"_placeholder":true,"num":0}]', Buffer.from([1, 2])]) },
    { id: 'binary/eio3_frame', kind: 'binary', run: (ctx) => packetScenario(ctx, [Buffer.from([4, 1, 2])], { eio: 3 }) },
    { id: 'heartbeat/eio3_client_ping', kind: 'heartbeat', run: (ctx) => packetScenario(ctx, ['2'], { eio: 3 }) },
    { id: 'heartbeat/eio3_client_probe', kind: 'heartbeat', run: (ctx) => packetScenario(ctx, ['2probe'], { eio: 3 }) },
    { id: 'heartbeat/eio3_client_pong', kind: 'heartbeat', run: (ctx) => packetScenario(ctx, ['3'], { eio: 3 }) },
    { id: 'heartbeat/eio4_client_ping', kind: 'heartbeat', run: (ctx) => packetScenario(ctx, ['2'], { eio: 4 }) },
    { id: 'heartbeat/eio4_unsolicited_pong', kind: 'heartbeat', run: (ctx) => packetScenario(ctx, ['3'], { eio: 4 }) },
    { id: 'heartbeat/eio4_server_ping_answered', kind: 'heartbeat', run: serverPing },
    { id: 'engineio/eio_missing', kind: 'packet', run: (ctx) => wsOpen(ctx, '/socket.io/?transport=websocket') },
    { id: 'engineio/eio_5', kind: 'packet', run: (ctx) => wsOpen(ctx, '/socket.io/?EIO=5&transport=websocket') },
    { id: 'engineio/eio_2', kind: 'packet', run: (ctx) => wsOpen(ctx, '/socket.io/?EIO=2&transport=websocket') },
    { id: 'engineio/bad_transport', kind: 'packet', run: (ctx) => wsOpen(ctx, '/socket.io/?EIO=4&transport=carrier-pigeon') },
    { id: 'engineio/unknown_sid', kind: 'packet', run: (ctx) => wsOpen(ctx, '/socket.io/?EIO=4&transport=websocket&sid=nope') },
    { id: 'engineio/unknown_path', kind: 'packet', run: (ctx) => wsOpen(ctx, '/other/?EIO=4&transport=websocket') },
    { id: 'engineio/next_path_eio3', kind: 'packet', run: (ctx) => packetScenario(ctx, ['2'], { eio: 3, path: '/socket.io-next' }) }
  )
  list.push(...sequenceScenarios())
  return list
}

/** A WebSocket upgrade at `pathAndQuery`: the open packet, or the HTTP answer refusing it. */
async function wsOpen (ctx, pathAndQuery) {
  const p = new RawPeer(ctx, { pathOverride: pathAndQuery })
  await p.opened()
  await settle([p], { quietMs: 300 })
  const out = p.transcript()
  p.close()
  return out
}

/** EIO4: the server's first ping (within its interval), answered; the connection stays. */
async function serverPing (ctx) {
  const p = await rawConnected(ctx)
  p.mark()
  await p.waitFrame(/^2$/, 35000)
  p.send('3')
  await sleep(1000)
  const out = p.transcript()
  p.close()
  return out
}

function join (ctx, name) { return '42' + JSON.stringify(['ss-join', ctx.addr(name)]) }
function offerFrame (ctx, from, to, extra = {}) {
  return '42' + JSON.stringify(['ss-handshake', { srcMultiaddr: ctx.addr(from), dstMultiaddr: ctx.addr(to), intentId: 'i-1', signal: { type: 'offer', sdp: 'v=0' }, ...extra }])
}

/**
 * Peers named in `names` connect (not joined); then each step of `steps(ctx)` is sent.
 * What a peer is told on joining of the peers already there differs by design (see
 * sequence/join_announces_to_others, where this is kept): elsewhere a ws-peer about a peer
 * that had joined before the receiver's last join is left out, for both servers alike.
 */
async function sequence (ctx, names, steps, { keepKnownPeers = false } = {}) {
  const peers = {}
  const joined = new Set()
  for (const n of names) peers[n] = await rawConnected(ctx)
  const all = Object.values(peers)
  for (const [who, frame] of steps(ctx)) {
    if (who === 'wait') { await settle(all, { quietMs: 300 }); continue }
    const joining = /^42\["ss-join"/.test(frame) ? [...ctx.ids].find(([, id]) => frame.includes(id)) : null
    if (joining && !keepKnownPeers) {
      const known = [...joined].filter((n) => n !== joining[0]).map((n) => `/p2p/<${n}>"]`)
      peers[who].hide = (f) => f.startsWith('42["ws-peer"') && known.some((k) => f.endsWith(k))
    }
    if (joining) joined.add(joining[0])
    peers[who].send(frame)
    await sleep(50)
  }
  await settle(all, { quietMs: 500, maxMs: 5000 })
  const out = {}
  for (const [n, p] of Object.entries(peers)) { out[n] = p.transcript(); p.close() }
  return out
}

function sequenceScenarios () {
  const s = (id, names, steps, o) => ({ id: `sequence/${id}`, kind: 'sequence', run: (ctx) => sequence(ctx, names, steps, o) })
  return [
    s('join_announces_to_others', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['wait'], ['A', join(ctx, 'A')]], { keepKnownPeers: true }),
    s('leave_then_handshake_to_left_peer', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['A', join(ctx, 'A')], ['wait'], ['B', '42["ss-leave"]'], ['wait'], ['A', offerFrame(ctx, 'A', 'B')]]),
    s('leave_rejoin_handshake', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['A', join(ctx, 'A')], ['wait'], ['B', '42["ss-leave"]'], ['wait'], ['B', join(ctx, 'B')], ['wait'], ['A', offerFrame(ctx, 'A', 'B')]]),
    s('leave_without_join', ['A'], () => [['A', '42["ss-leave"]'], ['A', '42["ss-leave"]']]),
    s('disconnect_then_handshake', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['A', join(ctx, 'A')], ['wait'], ['B', '41'], ['wait'], ['A', offerFrame(ctx, 'A', 'B')]]),
    s('disconnect_reconnect_rejoin', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['A', join(ctx, 'A')], ['wait'], ['B', '41'], ['wait'], ['B', '40'], ['wait'], ['B', join(ctx, 'B')], ['wait'], ['A', offerFrame(ctx, 'A', 'B')]]),
    s('eio_close_then_handshake', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['A', join(ctx, 'A')], ['wait'], ['B', '1'], ['wait'], ['A', offerFrame(ctx, 'A', 'B')]]),
    s('same_peer_id_twice', ['A', 'B', 'B2'], (ctx) => [['B', join(ctx, 'B')], ['wait'], ['B2', join(ctx, 'B')], ['wait'], ['A', join(ctx, 'A')], ['wait'], ['A', offerFrame(ctx, 'A', 'B')]]),
    s('same_peer_id_after_first_left', ['A', 'B', 'B2'], (ctx) => [['B', join(ctx, 'B')], ['wait'], ['B', '42["ss-leave"]'], ['wait'], ['B2', join(ctx, 'B')], ['wait'], ['A', join(ctx, 'A')], ['wait'], ['A', offerFrame(ctx, 'A', 'B')]]),
    s('join_twice_same_socket', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['wait'], ['A', join(ctx, 'A')], ['wait'], ['A', join(ctx, 'A')]]),
    s('join_two_addresses_one_socket', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['wait'], ['A', join(ctx, 'A')], ['wait'], ['A', join(ctx, 'C')], ['wait'], ['B', offerFrame(ctx, 'B', 'A')]]),
    s('answer_routed_to_src', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['A', join(ctx, 'A')], ['wait'], ['A', offerFrame(ctx, 'A', 'B')], ['wait'], ['B', offerFrame(ctx, 'A', 'B', { answer: true })]]),
    s('handshake_without_join', ['A', 'B'], (ctx) => [['B', join(ctx, 'B')], ['wait'], ['A', offerFrame(ctx, 'A', 'B')]])
  ]
}
