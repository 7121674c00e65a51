// Command line, config file and environment handling.

import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runDaemon, startDaemon, stopAllDaemons, freePort } from './lib/daemon.mjs'
import { joinPeer, sleep, closeAllClients } from './lib/clients.mjs'

/** Assert that a run was refused with exit code 2 and stderr names `what`. */
function assertUsageError (res, ...what) {
  assert.equal(res.timedOut, false, `the daemon kept running instead of refusing; stderr:\n${res.stderr}`)
  assert.equal(res.code, 2, `exit code; stderr:\n${res.stderr}`)
  assert.ok(what.some((w) => res.stderr.includes(w)), `stderr should name one of ${JSON.stringify(what)}:\n${res.stderr}`)
}

describe('command line', () => {
  let dir
  before(() => { dir = mkdtempSync(join(tmpdir(), 'webrtc-star-bb-')) })
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    rmSync(dir, { recursive: true, force: true })
  })

  function configFile (name, text) {
    const p = join(dir, name)
    writeFileSync(p, text)
    return p
  }

  it('--help prints usage mentioning --port and exits 0', { timeout: 10000 }, async () => {
    const res = await runDaemon(['--help'])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout + res.stderr, /--port/)
    assert.match(res.stdout + res.stderr, /--peer-refresh-interval/)
  })

  it('an unknown flag exits 2 naming it', { timeout: 10000 }, async () => {
    assertUsageError(await runDaemon(['--host', '127.0.0.1', '--port', '0', '--frobnicate']), '--frobnicate', 'frobnicate')
  })

  it('--port abc exits 2 naming the flag or the value', { timeout: 10000 }, async () => {
    assertUsageError(await runDaemon(['--host', '127.0.0.1', '--port', 'abc']), '--port', 'abc')
  })

  it('--port 70000 exits 2', { timeout: 10000 }, async () => {
    assertUsageError(await runDaemon(['--host', '127.0.0.1', '--port', '70000']), '--port', '70000')
  })

  it('--peer-refresh-interval banana exits 2 naming the flag or the value', { timeout: 10000 }, async () => {
    assertUsageError(await runDaemon(['--host', '127.0.0.1', '--port', '0', '--peer-refresh-interval', 'banana']),
      'peer-refresh-interval', 'banana')
  })

  it('--max-peers-per-announce -3 exits 2', { timeout: 10000 }, async () => {
    assertUsageError(await runDaemon(['--host', '127.0.0.1', '--port', '0', '--max-peers-per-announce', '-3']),
      'max-peers-per-announce', '-3')
  })

  it('a bad environment value exits 2 naming it', { timeout: 10000 }, async () => {
    assertUsageError(await runDaemon(['--host', '127.0.0.1', '--port', '0'], { env: { WEBRTC_STAR_PING_INTERVAL: 'soon' } }),
      'WEBRTC_STAR_PING_INTERVAL', 'ping-interval', 'ping_interval', 'soon')
  })

  it('a config file with an unknown key exits 2 naming the key', { timeout: 10000 }, async () => {
    const cfg = configFile('unknown.toml', 'port = 0\nbogus_key = 1\n')
    // the key as written, or normalised to dashes (the daemon treats both spellings alike)
    assertUsageError(await runDaemon(['--host', '127.0.0.1', '--config', cfg]), 'bogus_key', 'bogus-key')
  })

  it('a config file with a bad value exits 2 naming the key or the value', { timeout: 10000 }, async () => {
    const cfg = configFile('badvalue.toml', 'port = 0\npeer-refresh-interval = "banana"\n')
    assertUsageError(await runDaemon(['--host', '127.0.0.1', '--config', cfg]), 'peer-refresh-interval', 'peer_refresh_interval', 'banana')
  })

  it('a missing config file exits non-zero', { timeout: 10000 }, async () => {
    const res = await runDaemon(['--host', '127.0.0.1', '--config', join(dir, 'does-not-exist.toml')])
    assert.equal(res.timedOut, false)
    assert.notEqual(res.code, 0)
  })

  it('precedence: config file < env PORT < --port', { timeout: 30000 }, async () => {
    const filePort = await freePort()
    const envPort = await freePort()
    const flagPort = await freePort()
    assert.equal(new Set([filePort, envPort, flagPort]).size, 3)
    const cfg = configFile('port.toml', `# a comment\nport = ${filePort}\nlog_level = "info"\n`)

    const a = await startDaemon([], { args: ['--host', '127.0.0.1', '--config', cfg] })
    assert.equal(a.port, filePort, 'the config file sets the port')
    await a.stop()

    const b = await startDaemon([], { args: ['--host', '127.0.0.1', '--config', cfg], env: { PORT: String(envPort) } })
    assert.equal(b.port, envPort, 'env PORT beats the config file')
    await b.stop()

    const c = await startDaemon([], { args: ['--host', '127.0.0.1', '--config', cfg, '--port', String(flagPort)], env: { PORT: String(envPort) } })
    assert.equal(c.port, flagPort, '--port beats env PORT')
    await c.stop()

    const e = await startDaemon([], { args: ['--host', '127.0.0.1', '--config', cfg, '--port', '0'], env: { PORT: String(envPort) } })
    assert.ok(e.port !== filePort && e.port !== envPort && e.port > 0, `--port 0 gives an ephemeral port, got ${e.port}`)
    await e.stop()
  })

  it('precedence: config file < env WEBRTC_STAR_PORT', { timeout: 20000 }, async () => {
    const filePort = await freePort()
    const envPort = await freePort()
    const cfg = configFile('port2.toml', `port = ${filePort}\n`)
    const a = await startDaemon([], { args: ['--host', '127.0.0.1', '--config', cfg], env: { WEBRTC_STAR_PORT: String(envPort) } })
    assert.equal(a.port, envPort)
    await a.stop()
  })

  it('config keys accept dashes and underscores; durations take units', { timeout: 20000 }, async () => {
    const cfg = configFile('keys.toml', 'port = 0\npeer_refresh_interval = "300ms"\nmax-peers-per-announce = 1\nping-timeout = "1m"\n')
    const d = await startDaemon([], { args: ['--host', '127.0.0.1', '--config', cfg] })
    await joinPeer(d, 'v4')
    await joinPeer(d, 'v4')
    const c = await joinPeer(d, 'v4')
    const t0 = Date.now()
    await sleep(100)
    assert.equal(c.rec.all('ws-peer').length, 1, 'max-peers-per-announce = 1: one peer announced at join')
    // peer_refresh_interval = "300ms" (the default would be 10 s)
    await c.rec.waitCount('ws-peer', 4, () => true, 2000)
    assert.ok(Date.now() - t0 < 2000)
    closeAllClients()
    await sleep(200) // let the daemon settle (the SIGTERM race right after start has its own test)
    const res = await d.stop()
    assert.equal(res.code, 0, `exit code after SIGTERM (signal ${res.signal}); stderr:\n${d.stderr}`)
  })

  it('SIGINT also stops the daemon with exit code 0', { timeout: 20000 }, async () => {
    const a = await startDaemon()
    await sleep(200) // the SIGTERM race right after start has its own test
    a.process.kill('SIGINT')
    const res = await a.waitExit(7000)
    assert.ok(res, 'the daemon did not exit within 7 s of SIGINT')
    assert.equal(res.code, 0, `signal ${res.signal}; stderr:\n${a.stderr}`)
  })
})
