// The edge (issue #22): who a client is (its socket, a trusted proxy's X-Forwarded-For, a PROXY
// protocol header) and what one address may open. Each test attacks from 127.0.0.1 and checks
// that a second client, from 127.0.0.2, is not held back; refusals are counted by reason.

import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import net from 'node:net'
import tls from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDaemon, stopAllDaemons, runDaemon } from './lib/daemon.mjs'
import { joinAddr, eventually } from './lib/clients.mjs'
import { metric, sampleOf } from './lib/metric.mjs'
import { wsSession, request, pollingHandshake, proxyV2, closeAllEdge } from './lib/edge.mjs'
import { rawHttp as rawExchange, destroyAllWire } from './lib/wire.mjs'
import { io as ioV4 } from 'sio-v4'

const REFUSED = 'webrtc_star_server_edge_refused_total'

afterEach(async () => {
  closeAllEdge()
  destroyAllWire()
  await stopAllDaemons()
})

describe('edge: per-address limits', () => {
  it('one address flooding sessions and joins is held to its limits; another address connects', { timeout: 30000 }, async () => {
    const d = await startDaemon(['--max-connections-per-address', '5', '--max-sessions-per-address', '8',
      '--max-joins-per-address', '3', '--address-interval', '60s'])
    const attempts = await Promise.all(Array.from({ length: 20 }, () => wsSession(d.port)))
    const accepted = attempts.filter((a) => a.status === 101)
    assert.equal(accepted.length, 5, `accepted ${accepted.length} of 20: ${attempts.map((a) => a.status)}`)
    // The address may hold 10 sockets (two per session it may open): of the 15 others, those
    // admitted as sockets are answered 503, the rest closed before a byte is read.
    assert.equal(attempts.filter((a) => a.status === 503 || a.status === null).length, 15, 'the rest refused')
    assert.ok(attempts.filter((a) => a.status === 503).length >= 5, 'the admitted sockets answered 503')
    assert.match(attempts.find((a) => a.status === 503).body, /"code":3/, 'with an Engine.IO error body')
    // Joins: 3 per interval for the address, whichever of its sessions makes them.
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await accepted[i % 5].emitWithAck('ss-join', joinAddr(d.port)))
    assert.equal(answers.filter((a) => a[0] === null).length, 3, JSON.stringify(answers))
    assert.match(String(answers[5][0]), /too many joins/)
    // Another address meanwhile: a session and a join at once.
    const other = await wsSession(d.port, { localAddress: '127.0.0.2' })
    assert.equal(other.status, 101)
    assert.deepEqual(await other.emitWithAck('ss-join', joinAddr(d.port)), [null])
    // The socket.io client of another address too.
    const sio = ioV4(`http://127.0.0.1:${d.port}`, { localAddress: '127.0.0.3', reconnection: false, forceNew: true, transports: ['websocket'] })
    await new Promise((resolve, reject) => { sio.on('connect', resolve); sio.on('connect_error', reject) })
    sio.close()
    assert.ok(await metric(d, REFUSED, 'connections_per_address') >= 5)
    assert.equal(await metric(d, REFUSED, 'joins_per_address'), 3)
    assert.equal(await metric(d, 'webrtc_star_server_joins_refused_total', 'per_address'), 3)
    // Closing gives the address its slots back (within the session-rate limit: 8 - 5 = 3 more).
    accepted[0].close()
    await eventually(async () => (await wsSession(d.port)).status === 101, { what: 'a slot given back' })
    assert.match(d.stderr, /client 127\.0\.0\.1:\d+: session refused \(connections_per_address\)/)
  })

  it('one address holding TCP connections that never speak gets twice its sessions, no more; another connects', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--max-connections-per-address', '3'])
    const sockets = Array.from({ length: 20 }, () => net.connect({ port: d.port, host: '127.0.0.1', localAddress: '127.0.0.4' }))
    const closed = sockets.map((s) => new Promise((resolve) => { s.on('error', () => {}); s.on('close', resolve) }))
    try {
      await eventually(async () => await metric(d, REFUSED, 'sockets_per_address') === 14, { what: '14 refused' })
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.equal(sockets.filter((s) => s.destroyed).length, 14, 'the sockets beyond 6 closed by the server')
      assert.match(d.stderr, /client 127\.0\.0\.4: connection closed \(sockets_per_address\)/)
      // Another address meanwhile: a session at once.
      assert.equal((await wsSession(d.port, { localAddress: '127.0.0.5' })).status, 101)
      // The address's own sessions still open once it lets go of what it held.
      for (const s of sockets) s.destroy()
      await Promise.all(closed)
      await eventually(async () => (await wsSession(d.port, { localAddress: '127.0.0.4' })).status === 101,
        { what: 'the sockets given back' })
    } finally {
      for (const s of sockets) s.destroy()
    }
  })

  it('new sessions per interval: a polling handshake beyond it gets 429', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--max-sessions-per-address', '3', '--address-interval', '60s'])
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await pollingHandshake(d.port)).status)
    assert.deepEqual(statuses, [200, 200, 200, 429, 429])
    assert.equal((await pollingHandshake(d.port, { localAddress: '127.0.0.2' })).status, 200)
    assert.equal(await metric(d, REFUSED, 'sessions_per_address'), 2)
  })
})

describe('edge: allowed origins', () => {
  it('other origins get 403 on the upgrade and on polling; CORS follows the list', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--allowed-origins', 'https://good.example,*.dapp.example'])
    assert.equal((await wsSession(d.port, { origin: 'https://evil.example' })).status, 403)
    assert.equal((await wsSession(d.port, { origin: 'https://good.example' })).status, 101)
    assert.equal((await wsSession(d.port, { origin: 'https://a.dapp.example' })).status, 101)
    assert.equal((await wsSession(d.port)).status, 101, 'no Origin: not a browser, allowed')
    const evil = await pollingHandshake(d.port, { headers: { origin: 'https://evil.example' } })
    assert.equal(evil.status, 403)
    assert.match(evil.body, /"code":4/)
    const good = await pollingHandshake(d.port, { headers: { origin: 'https://good.example' } })
    assert.equal(good.status, 200)
    assert.equal(good.headers['access-control-allow-origin'], 'https://good.example')
    // A later request of a live session with another origin.
    const later = await request(d.port, `/socket.io/?EIO=4&transport=polling&sid=${good.sid}`,
      { headers: { origin: 'https://evil.example' } })
    assert.equal(later.status, 403)
    // CORS on the plain endpoints: an origin not on the list is not echoed.
    const status = await request(d.port, '/healthz', { headers: { origin: 'https://evil.example' } })
    assert.equal(status.headers['access-control-allow-origin'], undefined)
    // The real socket.io client with another origin cannot connect.
    const sio = ioV4(`http://127.0.0.1:${d.port}`,
      { extraHeaders: { origin: 'https://evil.example' }, reconnection: false, forceNew: true, transports: ['polling'] })
    await new Promise((resolve) => sio.on('connect_error', resolve))
    sio.close()
    assert.ok(await metric(d, REFUSED, 'origin') >= 4)
  })

  it('--require-origin refuses clients without Origin', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--require-origin'])
    assert.equal((await wsSession(d.port)).status, 403)
    assert.equal((await wsSession(d.port, { origin: 'https://any.example' })).status, 101)
  })
})

describe('edge: allow and deny lists', () => {
  it('a denied address gets 403; SIGHUP reloads the file', { timeout: 20000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-'))
    const file = join(dir, 'deny.txt')
    writeFileSync(file, '# blocked\n127.0.0.2\n')
    try {
      const d = await startDaemon(['--deny-from-file', file, '--deny-from', '127.0.0.9/32'])
      assert.equal((await wsSession(d.port, { localAddress: '127.0.0.2' })).status, 403)
      assert.equal((await pollingHandshake(d.port, { localAddress: '127.0.0.2' })).status, 403)
      assert.equal((await wsSession(d.port, { localAddress: '127.0.0.9' })).status, 403)
      assert.equal((await wsSession(d.port)).status, 101)
      writeFileSync(file, '127.0.0.3\n')
      d.process.kill('SIGHUP')
      await eventually(async () => (await wsSession(d.port, { localAddress: '127.0.0.2' })).status === 101,
        { what: '127.0.0.2 allowed after the reload' })
      assert.equal((await wsSession(d.port, { localAddress: '127.0.0.3' })).status, 403)
      writeFileSync(file, 'not a range\n')
      d.process.kill('SIGHUP')
      await eventually(async () => /keeping the old client allow and deny lists/.test(d.stderr), { what: 'the bad file refused' })
      assert.equal((await wsSession(d.port, { localAddress: '127.0.0.3' })).status, 403, 'the old list kept')
      assert.ok(await metric(d, REFUSED, 'denied') >= 4)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('--allow-from: only those ranges', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--allow-from', '127.0.0.1/32'])
    assert.equal((await wsSession(d.port)).status, 101)
    assert.equal((await wsSession(d.port, { localAddress: '127.0.0.2' })).status, 403)
  })
})

describe('edge: the real address behind a proxy', () => {
  it('X-Forwarded-For from a trusted proxy names the client; from anyone else it is ignored', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--trusted-proxies', '127.0.0.1', '--max-connections-per-address', '2'])
    const as = (client, localAddress = '127.0.0.1') => wsSession(d.port, { localAddress, headers: { 'x-forwarded-for': client } })
    assert.equal((await as('198.51.100.1')).status, 101)
    assert.equal((await as('6.6.6.6, 198.51.100.1')).status, 101) // a forged left entry is not believed
    assert.equal((await as('198.51.100.1')).status, 503)
    assert.equal((await as('198.51.100.2')).status, 101, 'another client behind the same proxy')
    // Not a trusted proxy: the header is ignored, 127.0.0.2 itself is limited.
    assert.equal((await as('203.0.113.1', '127.0.0.2')).status, 101)
    assert.equal((await as('203.0.113.2', '127.0.0.2')).status, 101)
    assert.equal((await as('203.0.113.3', '127.0.0.2')).status, 503)
    // Unreadable: the proxy's own address, counted.
    assert.equal((await as('garbage')).status, 101)
    assert.equal(await metric(d, 'webrtc_star_server_forwarded_malformed_total'), 1)
    assert.match(d.stderr, /client 198\.51\.100\.1: session refused/)
  })

  it('X-Forwarded-For in several lines is one list: the line a proxy adds after the client\'s is believed', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--trusted-proxies', '127.0.0.1', '--deny-from', '198.51.100.9'])
    const get = (...lines) => 'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' +
      lines.map((l) => `X-Forwarded-For: ${l}\r\n`).join('') + '\r\n'
    // The client wrote the first line; the proxy (HAProxy's option forwardfor) added the second.
    assert.equal(await rawExchange(d.port, get('198.51.100.1', '198.51.100.9')), 403)
    assert.equal(await rawExchange(d.port, get('198.51.100.9', '198.51.100.1')), 200)
  })

  it('each request on a proxy\'s keep-alive connection is its own client', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--trusted-proxies', '127.0.0.1', '--deny-from', '127.0.0.1'])
    const socket = net.connect({ host: '127.0.0.1', port: d.port })
    const statuses = []
    let data = ''
    const next = () => new Promise((resolve) => {
      const check = () => {
        const head = data.indexOf('\r\n\r\n')
        if (head < 0) return
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(data.slice(0, head))[1])
        if (data.length < head + 4 + length) return
        const status = Number(data.slice(9, 12))
        data = data.slice(head + 4 + length)
        socket.off('data', on)
        resolve(status)
      }
      const on = (c) => { data += c; check() }
      socket.on('data', on)
    })
    const get = (xff) => `GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n${xff ? `X-Forwarded-For: ${xff}\r\n` : ''}\r\n`
    socket.write(get('198.51.100.2'))
    statuses.push(await next())
    socket.write(get(null)) // the proxy's own request: 127.0.0.1 is denied
    statuses.push(await next())
    socket.destroy()
    assert.deepEqual(statuses, [200, 403])
  })

  it('--proxy-protocol: v1 and v2 headers name the client; no header, a bad one or an untrusted peer is closed', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--proxy-protocol', '--trusted-proxies', '127.0.0.1', '--max-sessions-per-address', '1',
      '--address-interval', '60s'])
    const handshake = 'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
    assert.equal(await rawExchange(d.port, `PROXY TCP4 198.51.100.7 127.0.0.1 40000 ${d.port}\r\n${handshake}`), 200)
    assert.equal(await rawExchange(d.port, `PROXY TCP4 198.51.100.7 127.0.0.1 40001 ${d.port}\r\n${handshake}`), 429)
    assert.equal(await rawExchange(d.port, Buffer.concat([proxyV2('198.51.100.8'), Buffer.from(handshake)])), 200)
    assert.equal(await rawExchange(d.port, Buffer.concat([proxyV2('198.51.100.8'), Buffer.from(handshake)])), 429)
    assert.equal(await rawExchange(d.port, handshake), null, 'no header: closed')
    assert.equal(await rawExchange(d.port, 'PROXY TCP4 nonsense\r\n' + handshake), null)
    assert.equal(await rawExchange(d.port, `PROXY TCP4 198.51.100.9 127.0.0.1 1 2\r\n${handshake}`,
      { localAddress: '127.0.0.2' }), null, 'untrusted peer: closed')
    // Every connection needs the header, /metrics too (from the proxy's own health check: LOCAL).
    const local = Buffer.from('\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00', 'latin1')
    const text = await rawExchange(d.port, Buffer.concat([local, Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]), { whole: true })
    assert.equal(sampleOf(text, REFUSED, 'proxy_header'), 2)
    assert.equal(sampleOf(text, REFUSED, 'untrusted_proxy'), 1)
    // --healthcheck speaks the header too (LOCAL, as a proxy's own check).
    const hc = await runDaemon(['--host', '127.0.0.1', '--port', String(d.port), '--proxy-protocol', '--trusted-proxies',
      '127.0.0.1', '--healthcheck'])
    assert.equal(hc.code, 0, hc.stderr)
  })

  it('--proxy-protocol with TLS: the header comes before the TLS handshake', { timeout: 20000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-tls-'))
    try {
      const key = join(dir, 'k.pem')
      const cert = join(dir, 'c.pem')
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
      const d = await startDaemon(['--tls-cert', cert, '--tls-key', key, '--proxy-protocol', '--trusted-proxies', '127.0.0.1',
        '--deny-from', '198.51.100.66'])
      const get = (src, path) => new Promise((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: d.port }, () => {
          socket.write(proxyV2(src))
          const t = tls.connect({ socket, rejectUnauthorized: false }, () => {
            t.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
          })
          let data = ''
          t.on('data', (c) => { data += c })
          t.on('error', () => resolve(null))
          t.on('close', () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? null))
        })
        socket.on('error', () => resolve(null))
      })
      assert.equal(await get('198.51.100.65', '/healthz'), '200')
      assert.equal(await get('198.51.100.65', '/socket.io/?EIO=4&transport=polling'), '200')
      assert.equal(await get('198.51.100.66', '/socket.io/?EIO=4&transport=polling'), '403', 'the PROXY source is denied')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('--proxy-protocol needs --trusted-proxies', { timeout: 10000 }, async () => {
    await assert.rejects(startDaemon(['--proxy-protocol']), /needs --trusted-proxies/)
  })
})
