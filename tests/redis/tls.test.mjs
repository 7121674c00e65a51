// TLS to Redis (rediss://), black-box: a real redis-server listening with TLS only (Debian's is
// built with it), certificates made here with openssl (lib/tls.mjs), two daemons that must verify
// Redis' certificate and show their own. Then what an operator gets wrong: a CA that does not
// vouch for Redis, a wrong password for an ACL user — each a /readyz line naming the setting.

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startRedis, skipWithoutRedis } from './lib/redis.mjs'
import { makeCertificates } from './lib/tls.mjs'
import { redisDaemon, readyz, waitReady } from './lib/cluster.mjs'
import { stopAllDaemons } from '../lib/index.mjs'
import { joinPeer, offer, closeAllClients, eventually } from '../blackbox/lib/clients.mjs'

const TIMEOUT = { timeout: 60000 }
const skip = skipWithoutRedis()
const ACL_USER = ['--user', 'signalling', 'on', '>s3cret', '~*', '&*', '+@all']

function tlsArgs (certs, { ca = certs.ca, client = true } = {}) {
  const args = ['--redis-tls-ca-file', ca]
  if (client) args.push('--redis-tls-cert-file', certs.client.cert, '--redis-tls-key-file', certs.client.key)
  return args
}

async function crosses (X, Y) {
  const x = await joinPeer(X)
  const y = await joinPeer(Y)
  const toY = await x.rec.waitFor('ws-peer', (ma) => ma.endsWith(y.id), 5000)
  const off = offer(x, toY)
  x.socket.emit('ss-handshake', off)
  await y.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 5000)
}

describe('TLS to Redis', { skip }, () => {
  let certs, redis

  before(async () => {
    certs = makeCertificates()
    redis = await startRedis({
      tls: { ...certs.server, ca: certs.ca, authClients: 'yes' },
      args: ACL_USER
    })
  })
  after(async () => {
    closeAllClients()
    await stopAllDaemons()
    await redis?.stop()
    certs?.remove()
  })
  afterEach(() => closeAllClients())

  it('two servers on rediss:// with an ACL user, a CA file and a client certificate act as one', TIMEOUT, async () => {
    const url = redis.url.replace('rediss://', 'rediss://signalling:s3cret@')
    const A = await redisDaemon(redis, 'server-a', { url, extraArgs: tlsArgs(certs) })
    const B = await redisDaemon(redis, 'server-b', { url, extraArgs: tlsArgs(certs) })
    await waitReady([A, B])
    await crosses(A, B)
    await crosses(B, A)
  })

  it('a host name checked against the certificate (--redis-tls-server-name, sent as SNI)', TIMEOUT, async () => {
    const url = redis.url.replace('rediss://', 'rediss://signalling:s3cret@')
    const good = await redisDaemon(redis, 'server-named', {
      url, extraArgs: [...tlsArgs(certs), '--redis-tls-server-name', 'redis.test']
    })
    await waitReady([good])
    const bad = await redisDaemon(redis, 'server-misnamed', {
      url, extraArgs: [...tlsArgs(certs), '--redis-tls-server-name', 'elsewhere.test']
    })
    await eventually(async () => /--redis-tls-server-name/.test((await readyz(bad)).body),
      { timeoutMs: 5000, what: 'a name mismatch in /readyz' })
    assert.equal((await readyz(bad)).status, 503)
  })

  it('a CA that does not vouch for Redis: not ready, and /readyz names --redis-tls-ca-file', TIMEOUT, async () => {
    const url = redis.url.replace('rediss://', 'rediss://signalling:s3cret@')
    const D = await redisDaemon(redis, 'server-d', { url, extraArgs: tlsArgs(certs, { ca: certs.wrongCa }) })
    await eventually(async () => /certificate verify failed.*--redis-tls-ca-file/.test((await readyz(D)).body),
      { timeoutMs: 5000, what: 'the CA named in /readyz' })
    assert.equal((await readyz(D)).status, 503)
  })

  it('a wrong password for the ACL user: not ready, and /readyz names the setting without the password', TIMEOUT, async () => {
    const url = redis.url.replace('rediss://', 'rediss://signalling:wrong-pass@')
    const E = await redisDaemon(redis, 'server-e', { url, extraArgs: tlsArgs(certs) })
    await eventually(async () => /Redis refused AUTH: WRONGPASS.*--redis-password/.test((await readyz(E)).body),
      { timeoutMs: 5000, what: 'AUTH refused in /readyz' })
    assert.doesNotMatch((await readyz(E)).body, /wrong-pass/)
  })
})
