// Native TLS: https:// and wss:// on the main port with a certificate made here (openssl),
// SIGHUP reloading it while clients stay connected, and the errors for bad files.

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import https from 'node:https'
import { startDaemon, stopAllDaemons, runDaemon } from './lib/daemon.mjs'
import { connect, joinWithAck, joinAddr, peerId, offer, closeAllClients, eventually, sleep } from './lib/clients.mjs'

const dir = mkdtempSync(path.join(tmpdir(), 'star-tls-'))

function makeCert (name) {
  const key = path.join(dir, `${name}.key`)
  const cert = path.join(dir, `${name}.crt`)
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`,
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' })
  return { key, cert, ca: readFileSync(cert) }
}

function httpsGet (url, ca) {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, agent: false }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    }).on('error', reject)
  })
}

async function wssPeer (daemon, version, ca) {
  const url = `https://localhost:${daemon.port}`
  const { socket, rec } = await connect(version, url, { extra: { ca, rejectUnauthorized: true } })
  const id = peerId()
  const addr = joinAddr(daemon.port, id, { prefix: 'dns4', wss: true })
  assert.equal(await joinWithAck(socket, addr), null)
  return { socket, rec, id, addr }
}

describe('TLS', () => {
  let first, second, live
  before(() => {
    first = makeCert('first')
    second = makeCert('second')
    live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') }
    copyFileSync(first.cert, live.cert)
    copyFileSync(first.key, live.key)
  })
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    rmSync(dir, { recursive: true, force: true })
  })
  afterEach(() => closeAllClients())

  it('serves https and wss with a trusted certificate, and plain ws on --plain-port', { timeout: 20000 }, async () => {
    const d = await startDaemon(['--tls-cert', live.cert, '--tls-key', live.key, '--plain-port', '0'])
    assert.equal((await httpsGet(`https://localhost:${d.port}/healthz`, first.ca)).body, 'ok')
    const a = await wssPeer(d, 'v4', first.ca)
    const b = await wssPeer(d, 'v2', first.ca)
    await a.rec.waitFor('ws-peer', (ma) => ma.endsWith(b.id))
    const off = offer(a, b.addr)
    a.socket.emit('ss-handshake', off)
    assert.deepEqual(await b.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId), off)
    // a client at its default transports: long-polling over https, then the upgrade to wss
    const polled = await connect('v4', `https://localhost:${d.port}`, { extra: { ca: first.ca, rejectUnauthorized: true, transports: ['polling', 'websocket'] } })
    await eventually(async () => polled.socket.io.engine.transport.name === 'websocket', { what: 'upgraded to wss' })
    assert.ok(polled.socket.connected)
    const plainPort = Number(/listening on \S+:(\d+) \(plain\)/.exec(d.stderr)[1])
    const { socket: plain } = await connect('v4', `http://127.0.0.1:${plainPort}`)
    assert.ok(plain.connected)
    // An untrusted client is refused by TLS itself.
    await assert.rejects(httpsGet(`https://localhost:${d.port}/healthz`, second.ca))
  })

  it('SIGHUP reloads the certificate without dropping connected clients; a bad file keeps the old one', { timeout: 30000 }, async () => {
    const d = await startDaemon(['--tls-cert', live.cert, '--tls-key', live.key])
    const a = await wssPeer(d, 'v4', first.ca)
    let disconnected = false
    a.socket.on('disconnect', () => { disconnected = true })

    writeFileSync(live.cert, 'not a certificate\n')
    d.process.kill('SIGHUP')
    await eventually(async () => /keeping the old TLS certificate/.test(d.stderr), { what: 'reload refused' })
    assert.equal((await httpsGet(`https://localhost:${d.port}/healthz`, first.ca)).status, 200)

    copyFileSync(second.cert, live.cert)
    copyFileSync(second.key, live.key)
    d.process.kill('SIGHUP')
    await eventually(async () => /TLS certificate reloaded/.test(d.stderr), { what: 'reload done' })
    assert.equal((await httpsGet(`https://localhost:${d.port}/healthz`, second.ca)).status, 200)
    await assert.rejects(httpsGet(`https://localhost:${d.port}/healthz`, first.ca))

    // The client that connected under the old certificate is still there and still served.
    const b = await wssPeer(d, 'v4', second.ca)
    const off = offer(b, a.addr)
    b.socket.emit('ss-handshake', off)
    await a.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId)
    assert.equal(disconnected, false)
  })

  it('a client leaving without close_notify is a normal close, not logged; a broken handshake is', { timeout: 20000 }, async () => {
    // One I/O thread: the two connections' endings are handled, and logged, in the order they happen.
    const d = await startDaemon(['--tls-cert', first.cert, '--tls-key', first.key, '--log-level', 'debug', '--threads', '1'])
    const tls = await import('node:tls')
    const net = await import('node:net')
    const leaver = tls.connect({ host: '127.0.0.1', port: d.port, ca: first.ca, servername: 'localhost' })
    leaver.on('error', () => {})
    await new Promise((resolve) => leaver.once('secureConnect', resolve))
    leaver.destroy() // TCP FIN, no TLS close_notify: what a browser tab being closed often does
    await sleep(300)
    const garbage = net.connect({ host: '127.0.0.1', port: d.port })
    garbage.on('error', () => {})
    garbage.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n') // plain HTTP to the TLS port
    await eventually(() => /http TLS handshake: /.test(d.stderr), { timeoutMs: 5000, what: 'the broken handshake logged' })
    garbage.destroy()
    assert.doesNotMatch(d.stderr, /http read: |stream truncated/)
  })

  it('a missing or unusable certificate at start exits 2 naming the file', { timeout: 10000 }, async () => {
    const missing = await runDaemon(['--tls-cert', path.join(dir, 'nope.crt'), '--tls-key', first.key, '--port', '0'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /nope\.crt/)
    const mismatched = await runDaemon(['--tls-cert', first.cert, '--tls-key', second.key, '--port', '0'])
    assert.equal(mismatched.code, 2)
    assert.match(mismatched.stderr, /second\.key.*(mismatch|does not match)/)
    const half = await runDaemon(['--tls-cert', first.cert, '--port', '0'])
    assert.equal(half.code, 2)
  })
})
