// --log-format json: every line the daemon writes to stderr is one JSON object with time, level,
// component and message, and the structured fields its call site has (README, "Logs"). The daemon
// is driven through the scenarios that log, at trace level so that the lines an operator would
// only see while debugging are parsed too: start, joins, refused joins, protocol errors, handshakes
// whose payload carries quotes, control characters and non-ASCII text, a takeover, TLS errors,
// SIGHUP, and shutdown.

import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startDaemon, stopAllDaemons, runDaemon } from '../blackbox/lib/daemon.mjs'
import { connect, joinPeer, joinAddr, joinWithAck, offer, peerId, sleep, eventually, closeAllClients } from '../blackbox/lib/clients.mjs'
import { upgrade, until, texts, clientFrame, destroyAllWire } from '../blackbox/lib/wire.mjs'

const dir = mkdtempSync(path.join(tmpdir(), 'star-logs-'))
after(async () => {
  closeAllClients()
  destroyAllWire()
  await stopAllDaemons()
  rmSync(dir, { recursive: true, force: true })
})

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'critical'])
const COMPONENTS = new Set(['main', 'transport', 'signalling', 'http'])
const FIELDS = new Set(['connection_id', 'client_address', 'peer_id', 'server_id', 'reason'])

/** Every line of `stderr` parsed; fails naming the first line that is not a valid log object. */
function parseLines (stderr) {
  const lines = stderr.split('\n')
  assert.equal(lines.pop(), '', 'stderr ends with a newline')
  return lines.map((line, i) => {
    let o
    try { o = JSON.parse(line) } catch (e) { assert.fail(`line ${i + 1} is not JSON (${e.message}): ${line}`) }
    assert.equal(typeof o, 'object', `line ${i + 1}: ${line}`)
    assert.match(o.time, ISO_UTC, `line ${i + 1} time`)
    assert.ok(LEVELS.has(o.level), `line ${i + 1} level ${o.level}`)
    assert.ok(COMPONENTS.has(o.component), `line ${i + 1} component ${o.component}`)
    assert.equal(typeof o.message, 'string', `line ${i + 1} message`)
    for (const [k, v] of Object.entries(o)) {
      if (['time', 'level', 'component', 'message'].includes(k)) continue
      assert.ok(FIELDS.has(k), `line ${i + 1}: undocumented field ${k}`)
      assert.equal(typeof v, 'string', `line ${i + 1}: field ${k}`)
    }
    return o
  })
}

function makeCert () {
  const key = path.join(dir, 'k.pem')
  const cert = path.join(dir, 'c.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
  return { key, cert }
}

function sendRaw (port, bytes) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.end(bytes))
    s.on('error', () => resolve())
    s.on('close', () => resolve())
    setTimeout(() => { s.destroy(); resolve() }, 2000)
  })
}

describe('--log-format json', () => {
  it('every line the daemon writes in the logging scenarios is a JSON object with the documented fields', { timeout: 60000 }, async () => {
    const { key, cert } = makeCert()
    const d = await startDaemon(['--log-format', 'json', '--log-level', 'trace', '--takeover-probe-timeout', '300ms',
      '--tls-cert', cert, '--tls-key', key, '--plain-port', '0', '--connect-timeout', '500ms'])
    const plainPort = () => Number((d.stderr.match(/listening on \S+:(\d+) \(plain\)/) ?? [])[1])
    await eventually(async () => plainPort() > 0, { what: 'the plain port logged' })
    const plain = plainPort()
    const url = `http://127.0.0.1:${plain}`
    const plainDaemon = { ...d, port: plain, url }

    // Joins, a refused join (an invalid address), and handshakes whose payloads need escaping.
    const a = await joinPeer(plainDaemon, 'v4')
    const b = await joinPeer(plainDaemon, 'v4')
    const { socket: bad } = await connect('v4', url)
    assert.notEqual(await joinWithAck(bad, 'not a multiaddr "\u0001\u001f\\ é 😀'), null)
    assert.notEqual(await joinWithAck(bad, a.addr, 5000), null, 'a live holder keeps its id')
    const o = offer(a, b.addr, { signal: { type: 'offer', sdp: 'v=0\r\n"quoted" \\ back\u0000slash \u0007 ü 😀 \ud800' } })
    a.socket.emit('ss-handshake', o)
    await sleep(300)
    a.socket.emit('ss-handshake', offer(a, joinAddr(plain, peerId())))  // to nobody: refused

    // A takeover: a holder that does not answer the probe's ping.
    const id = peerId()
    const addr = joinAddr(plain, id)
    const holder = await upgrade(plain, { autoPong: false })
    holder.socket.write(clientFrame(1, '40'))
    holder.socket.write(clientFrame(1, '421' + JSON.stringify(['ss-join', addr])))
    await until(holder, (x) => texts(x).includes('431[null]'), 3000, 'join ack')
    const { socket: taker } = await connect('v4', url)
    assert.equal(await joinWithAck(taker, addr, 5000), null)

    // Protocol errors: not Engine.IO, not Socket.IO, bytes that are not UTF-8 in a text frame.
    for (const payload of ['zz', '4{', Buffer.from([0x34, 0x32, 0xff, 0xfe, 0x01])]) {
      const c = await upgrade(plain)
      c.socket.write(clientFrame(1, payload))
      await until(c, (x) => x.closed, 3000, 'closed')
    }
    // No CONNECT in time, a raw HTTP request with control characters, and TLS errors.
    await upgrade(plain)
    await sendRaw(plain, 'GET /\u0001\u00ff HTTP/1.1\r\nHost: x\r\n\r\n')
    await sendRaw(d.port, 'this is not TLS\r\n\r\n')
    await sendRaw(d.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]))
    await sleep(800)
    process.kill(d.process.pid, 'SIGHUP')
    await eventually(async () => /SIGHUP/.test(d.stderr), { what: 'the reload logged' })
    await d.stop()

    const lines = parseLines(d.stderr)
    if (process.env.STAR_LOG_DUMP) console.log(d.stderr)
    const messages = lines.map((l) => l.message)
    const has = (re) => lines.find((l) => re.test(l.message))
    assert.ok(has(/^listening on /), 'the start')
    assert.ok(has(/^join .* as /), 'a join (debug)')
    const refused = has(/^join refused for connection/)
    assert.ok(refused, 'a refused join')
    assert.equal(refused.reason, 'peer_id_taken')
    assert.match(refused.connection_id, /^\d+$/)
    const offerLine = has(/^offer /)
    assert.ok(offerLine, 'the offer at trace level, with its SDP')
    assert.ok(offerLine.message.includes('\\"quoted\\"') && offerLine.message.includes('ü 😀'), offerLine.message)
    const takeover = has(/was silent: connection \d+ takes it over/)
    assert.ok(takeover, 'the takeover')
    assert.equal(takeover.peer_id, id)
    assert.equal(takeover.reason, 'takeover')
    const closing = lines.find((l) => /^session \d+: closing: /.test(l.message))
    assert.ok(closing, 'a session closed for a reason')
    assert.match(closing.client_address, /^127\.0\.0\.1:\d+$/)
    assert.match(closing.connection_id, /^\d+$/)
    assert.ok(closing.reason)
    assert.ok(has(/SIGHUP/), 'the reload')
    assert.ok(has(/^stopped$/), 'the shutdown')
    assert.ok(lines.length >= 15, `${lines.length} lines: ${messages.join(' | ')}`)
  })

  it('text stays the default; WEBRTC_STAR_LOG_FORMAT, the config file key and auto set it; a bad value exits 2', { timeout: 30000 }, async () => {
    const text = await startDaemon([])
    assert.match(text.stderr, /^\d{4}-\d\d-\d\dT\S+ info  \[main\] listening on /m)
    await text.stop()
    const env = await startDaemon([], { env: { WEBRTC_STAR_LOG_FORMAT: 'json' } })
    assert.equal(JSON.parse(env.stderr.split('\n')[0]).component, 'main')
    await env.stop()
    const file = path.join(dir, 'star.toml')
    writeFileSync(file, 'log-format = "json"\n')
    const fromFile = await startDaemon(['--config', file])
    assert.equal(JSON.parse(fromFile.stderr.split('\n')[0]).component, 'main')
    await fromFile.stop()
    // auto: stderr is a pipe here, not a terminal, so JSON.
    const auto = await startDaemon(['--log-format', 'auto'])
    assert.equal(JSON.parse(auto.stderr.split('\n')[0]).level, 'info')
    await auto.stop()
    const r = await runDaemon(['--log-format', 'xml'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /log-format/)
  })
})
