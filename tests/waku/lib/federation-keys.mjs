// Test helper: federation keys and a trust list for daemons that federate over Waku.
//
//   const fed = await makeFederation(['a', 'b'])   // keys made by the daemon's own --federation-keygen
//   startDaemon([...fed.args('a'), ...])          // --federation-key-file, --federation-trusted-keys
//   fed.publicKey('a')                             // its federation id (compressed public key, hex)
//   fed.cleanup()
//
// Every server trusts every server of the federation (its own key too: harmless, its own
// envelopes are recognised as its own before the trust list is read). `extraTrusted` adds keys
// the test controls, written as `--federation-keygen` prints them.

import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

function serverBin () {
  const bin = process.env.WEBRTC_STAR_SERVER_BIN
  if (!bin) throw new Error('WEBRTC_STAR_SERVER_BIN is not set')
  return bin
}

// Writes a new key with the daemon itself; resolves to its public key (the last line printed).
export async function keygen (keyFile) {
  const { stdout } = await run(serverBin(), ['--federation-keygen', '--federation-key-file', keyFile], { timeout: 10000 })
  return stdout.trim().split('\n').pop().trim()
}

// A key file holding a private key the test chose (hex), as the daemon writes it: mode 0600.
export function writeKeyFile (keyFile, privateKeyHex) {
  writeFileSync(keyFile, privateKeyHex + '\n', { mode: 0o600 })
}

export async function makeFederation (names, { extraTrusted = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'star-federation-'))
  const servers = new Map()
  for (const name of names) {
    const keyFile = join(dir, `${name}.key`)
    servers.set(name, { keyFile, publicKey: await keygen(keyFile) })
  }
  const trustFile = join(dir, 'trusted-keys')
  // Mode 0644 whatever the umask: the daemon refuses a trust list that group or others may write.
  const writeTrust = (entries) => writeFileSync(trustFile, '# written by tests/waku/lib/federation-keys.mjs\n' +
    entries.map(([key, name]) => `${key} ${name}\n`).join(''), { mode: 0o644 })
  writeTrust([...[...servers].map(([name, s]) => [s.publicKey, name]), ...extraTrusted])
  return {
    dir,
    trustFile,
    keyFile: (name) => servers.get(name).keyFile,
    publicKey: (name) => servers.get(name).publicKey,
    args: (name) => ['--federation-key-file', servers.get(name).keyFile, '--federation-trusted-keys', trustFile],
    // Rewrites the trust list (entries: [publicKey, name]); the daemons read it on SIGHUP.
    writeTrust,
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}
