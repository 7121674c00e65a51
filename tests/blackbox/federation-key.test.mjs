// The federation key file: --federation-keygen, creation on first start, refusal of a key others can
// read. Public keys are checked against Node's own secp256k1 (OpenSSL's ECDH), not our code.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createECDH } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runDaemon, startDaemon, stopAllDaemons } from './lib/daemon.mjs'

const publicKeyOf = (file) => {
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'))
  return ecdh.getPublicKey('hex', 'compressed')
}
const modeOf = (file) => statSync(file).mode & 0o777

describe('federation key file', () => {
  let dir
  before(() => { dir = mkdtempSync(join(tmpdir(), 'webrtc-star-key-')) })
  after(async () => {
    await stopAllDaemons()
    rmSync(dir, { recursive: true, force: true })
  })

  it('--federation-keygen writes a 0600 key and prints its public key last; never overwrites', { timeout: 15000 }, async () => {
    const file = join(dir, 'keygen.key')
    const res = await runDaemon(['--federation-keygen', '--federation-key-file', file])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(modeOf(file), 0o600)
    const lines = res.stdout.trim().split('\n')
    assert.equal(lines.at(-1), publicKeyOf(file))
    const before = readFileSync(file, 'utf8')
    const again = await runDaemon(['--federation-keygen', '--federation-key-file', file])
    assert.equal(again.code, 2)
    assert.match(again.stderr, /exists already/)
    assert.equal(readFileSync(file, 'utf8'), before)
    const missing = await runDaemon(['--federation-keygen'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /--federation-key-file/)
  })

  it('is created on first start (from the environment too), then kept', { timeout: 20000 }, async () => {
    const file = join(dir, 'first-start.key')
    const first = await startDaemon([], { env: { WEBRTC_STAR_FEDERATION_KEY_FILE: file } })
    assert.equal(modeOf(file), 0o600)
    const id = publicKeyOf(file)
    assert.match(first.stderr + first.stdout, new RegExp(`public key ${id}`))
    await first.stop()
    const second = await startDaemon(['--federation-key-file', file])
    assert.match(second.stderr + second.stdout, new RegExp(`public key ${id}`))
    await second.stop()
  })

  it('a key file group or others can read is refused before anything listens', { timeout: 15000 }, async () => {
    const file = join(dir, 'open.key')
    writeFileSync(file, '11'.repeat(32) + '\n')
    chmodSync(file, 0o644)
    const res = await runDaemon(['--host', '127.0.0.1', '--port', '0', '--federation-key-file', file])
    assert.equal(res.timedOut, false, 'the daemon started anyway')
    assert.equal(res.code, 2)
    assert.match(res.stderr, /mode 0644.*chmod 600/)
    assert.doesNotMatch(res.stderr + res.stdout, /listening on/)
    chmodSync(file, 0o600)
    writeFileSync(file, 'not a key\n')
    const junk = await runDaemon(['--host', '127.0.0.1', '--port', '0', '--federation-key-file', file])
    assert.equal(junk.code, 2)
    assert.match(junk.stderr, /64 digits/)
  })
})
