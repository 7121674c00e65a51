// Engine.IO long-polling (EIO3 and EIO4): handshakes, payload framing, overlapping requests,
// requests for an upgraded sid, and the errors engine.io answers with.

import { request } from '../lib/http.mjs'
import { RawPeer, settle } from '../lib/raw-ws.mjs'
import { sleep } from '../lib/context.mjs'

const enc = (eio, packets) => eio === 4 ? packets.join('\x1e') : packets.map((p) => `${p.length}:${p}`).join('')
const base = (eio, path = '/socket.io') => `${path}/?EIO=${eio}&transport=polling`

/** A polling session: the handshake, then `steps(s)` (each a request) recorded in order. */
async function pollingScenario (ctx, eio, steps, { path } = {}) {
  const url = base(eio, path)
  const open = await request(ctx, url)
  const sid = /"sid"/.test(open.body ?? '') ? ctx.lastSid : 'none'
  // A GET's payload, packet by packet, without announcements of other scenarios' peers.
  const own = (res) => {
    if (res.status !== 200 || typeof res.body !== 'string') return res
    const packets = eio === 4 ? res.body.split('\x1e') : [...res.body.matchAll(/(\d+):/g)].length ? dec3(res.body) : [res.body]
    return { ...res, body: packets.filter((p) => !ctx.foreign(p)) }
  }
  const s = {
    url: `${url}&sid=${sid}`,
    sid,
    get: async (o = {}) => own(await request(ctx, `${url}&sid=${sid}`, o)),
    post: (packets, o = {}) => request(ctx, `${url}&sid=${sid}`, { method: 'POST', body: typeof packets === 'string' ? packets : enc(eio, packets), headers: { 'content-type': 'text/plain;charset=UTF-8' }, ...o })
  }
  const out = [{ open }]
  for (const step of steps) {
    out.push(await step(s, ctx))
  }
  await s.post(['1']).catch(() => {})
  return out
}

function dec3 (text) {
  const out = []
  let i = 0
  while (i < text.length) {
    const colon = text.indexOf(':', i)
    if (colon < 0) return [text]
    const n = Number(text.slice(i, colon))
    out.push(text.slice(colon + 1, colon + 1 + n))
    i = colon + 1 + n
  }
  return out
}

const both = async (...ps) => Promise.all(ps)

export function pollingScenarios () {
  const list = []
  for (const eio of [3, 4]) {
    const sc = (id, steps, opts) => ({ id: `polling/eio${eio}/${id}`, kind: 'polling', run: (ctx) => pollingScenario(ctx, eio, steps, opts) })
    const connect = (s) => eio === 4 ? s.post(['40']) : null
    const getConnected = (s) => s.get()
    list.push(
      sc('handshake_only', []),
      sc('handshake_next_path', [], { path: '/socket.io-next' }),
      sc('connect_and_read', [connect, getConnected]),
      sc('join_and_leave', [connect, getConnected, (s, ctx) => s.post(['42' + JSON.stringify(['ss-join', ctx.addr('A')]), '42["ss-leave"]'])]),
      sc('join_with_ack', [connect, getConnected, (s, ctx) => s.post(['421' + JSON.stringify(['ss-join', ctx.addr('A')])]), (s) => s.get()]),
      sc('bad_join_with_ack', [connect, getConnected, (s) => s.post(['421["ss-join",5]']), (s) => s.get({ timeoutMs: 2000 })]),
      sc('ping_from_client', [connect, getConnected, (s) => s.post(['2']), (s) => s.get({ timeoutMs: 2000 })]),
      sc('overlapping_gets', [connect, getConnected, (s) => both(s.get(), sleep(100).then(() => s.get()))]),
      sc('overlapping_posts', [connect, getConnected, (s) => both(s.post(['6']), s.post(['6']))]),
      sc('empty_post', [connect, (s) => s.post('')]),
      sc('post_garbage_packet', [connect, (s) => s.post(['x'])]),
      sc('post_trailing_separator', [connect, getConnected, (s) => s.post(eio === 4 ? '6\x1e' : '1:6')]),
      sc('post_bad_length_prefix', [connect, (s) => s.post(eio === 4 ? '\x1e\x1e' : '99:6')]),
      sc('post_binary_record', [connect, getConnected, (s) => s.post(eio === 4 ? 'bAQID' : '4:bAQI')]),
      sc('post_many_packets', [connect, getConnected, (s) => s.post(Array.from({ length: 20 }, () => '6'))]),
      sc('unknown_sid_get', [(s, ctx) => request(ctx, `${base(eio)}&sid=nope`)]),
      sc('unknown_sid_post', [(s, ctx) => request(ctx, `${base(eio)}&sid=nope`, { method: 'POST', body: '6' })]),
      sc('close_then_get', [connect, getConnected, (s) => s.post(['1']), (s) => s.get({ timeoutMs: 3000 })]),
      sc('put_method', [(s, ctx) => request(ctx, s.url, { method: 'PUT', body: 'x' })]),
      sc('upgraded_sid_requests', [connect, getConnected, upgrade(eio)])
    )
  }
  const http = (id, path, o) => ({ id: `http/${id}`, kind: 'http', run: (ctx) => request(ctx, path, o) })
  list.push(
    http('eio_missing', '/socket.io/?transport=polling'),
    http('eio_5', '/socket.io/?EIO=5&transport=polling'),
    http('transport_missing', '/socket.io/?EIO=4'),
    http('transport_unknown', '/socket.io/?EIO=4&transport=flash'),
    http('cors_preflight', '/socket.io/?EIO=4&transport=polling', { method: 'OPTIONS', headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' } }),
    http('cors_get_with_origin', '/socket.io/?EIO=4&transport=polling&sid=nope', { headers: { origin: 'https://example.com' } }),
    http('jsonp_eio3', '/socket.io/?EIO=3&transport=polling&j=0'),
    http('b64_eio3', '/socket.io/?EIO=3&transport=polling&b64=1'),
    http('root', '/'),
    http('metrics', '/metrics'),
    http('unknown_path', '/nope'),
    http('socket_io_no_query', '/socket.io/'),
    http('post_handshake', '/socket.io/?EIO=4&transport=polling', { method: 'POST', body: '40' })
  )
  // One client address opens the default limit of new sessions (300 per 10 s), then one more.
  // On servers of its own: every other scenario's sessions come from the same address.
  list.push({
    id: 'http/sessions_per_address',
    kind: 'http',
    isolated: true,
    run: async (ctx) => {
      const statuses = {}
      for (let i = 0; i < 300; i++) {
        const r = await request(ctx, '/socket.io/?EIO=4&transport=polling')
        statuses[r.status ?? r.error] = (statuses[r.status ?? r.error] ?? 0) + 1
      }
      return { first_300: statuses, next: await request(ctx, '/socket.io/?EIO=4&transport=polling') }
    }
  })
  for (const eio of [3, 4]) {
    // Non-ASCII in a payload: v3 lengths count UTF-16 units, v4 records need none.
    list.push({
      id: `polling/eio${eio}/non_ascii_payload`,
      kind: 'polling',
      run: (ctx) => pollingScenario(ctx, eio, [
        (s) => eio === 4 ? s.post(['40']) : null,
        (s) => s.get(),
        (s) => s.post(['42["h\u00e9llo","\ud83d\ude00"]', '42["ss-leave"]']),
        (s) => s.post(['421["caf\u00e9"]'])
      ])
    })
  }
  return list
}

/**
 * Upgrades the polling session to WebSocket as a client does (its poll open while it probes),
 * then polls and posts on the upgraded sid. When exactly the open poll is ended varies (the
 * reference ends it from a 100 ms timer during the probe): only how it ends is compared.
 */
function upgrade (eio) {
  return async (s, ctx) => {
    const pending = s.get({ timeoutMs: 5000 })
    await sleep(100)
    const ws = new RawPeer(ctx, { pathOverride: `/socket.io/?EIO=${eio}&transport=websocket&sid=${s.sid}` })
    await ws.upgraded()
    ws.send('2probe')
    await ws.waitFrame(/^3probe$/, 3000)
    await Promise.race([pending, sleep(1500)])
    ws.send('5')
    const during = await pending
    await settle([ws], { quietMs: 300 })
    const after = await both(s.get({ timeoutMs: 3000 }), s.post(['6']))
    ws.send('42["ss-leave"]')
    await settle([ws], { quietMs: 300 })
    const out = { during, after, ws: ws.transcript() }
    ws.close()
    return out
  }
}
