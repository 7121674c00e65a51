// Throwaway certificates for TLS to Redis, made with the openssl command line in a fresh temporary
// directory: a CA, a server certificate for 127.0.0.1 and localhost signed by it, a client
// certificate signed by it, and a second, unrelated CA (the "wrong CA"). remove() deletes them.

import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

function openssl (args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

function makeCa (dir, name) {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.crt`], dir)
  return path.join(dir, `${name}.crt`)
}

function makeSigned (dir, name, ca, extensions) {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir)
  writeFileSync(path.join(dir, `${name}.ext`), extensions)
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '1', '-out', `${name}.crt`, '-extfile', `${name}.ext`], dir)
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) }
}

export function makeCertificates () {
  const dir = mkdtempSync(path.join(tmpdir(), 'star-redis-tls-'))
  const ca = makeCa(dir, 'ca')
  const wrongCa = makeCa(dir, 'wrong-ca')
  const server = makeSigned(dir, 'redis', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:redis.test\n')
  const client = makeSigned(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n')
  return { dir, ca, wrongCa, server, client, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
