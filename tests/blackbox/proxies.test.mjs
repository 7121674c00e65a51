// The real client address through real proxies: HAProxy (PROXY protocol v2 and v1, deploy/haproxy.cfg),
// nginx's stream module (PROXY protocol, deploy/nginx-stream.conf) and nginx's http proxy
// (X-Forwarded-For). Clients bind distinct loopback addresses; the server, which sees only the proxy's
// connections, must limit each client by its own address: one client is held to
// --max-connections-per-address while another, through the same proxy, connects.

import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDaemon, stopAllDaemons } from './lib/daemon.mjs'
import { eventually } from './lib/clients.mjs'
import { freePort, skipUnlessRequired, stopProcess, nginxConfig, nginxTempPaths } from '../lib/index.mjs'
import { wsSession, closeAllEdge } from './lib/edge.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const DEPLOY = path.join(here, '..', '..', 'deploy')
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so'

function which (bin) {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin} || ls /usr/sbin/${bin}`], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

function skipReason () {
  if (!which('haproxy')) return skipUnlessRequired('no haproxy (apt-get install haproxy)')
  if (!which('nginx')) return skipUnlessRequired('no nginx (apt-get install nginx)')
  try { readFileSync(STREAM_MODULE) } catch { return skipUnlessRequired('no nginx stream module (apt-get install libnginx-mod-stream)') }
  return false
}

const started = []

/** Runs `bin args` until the test ends; resolves once `port` accepts a TCP connection. */
async function runProxy (bin, args, dir, port) {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c) => { stderr += c })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const proxy = {
    async stop () { await stopProcess(child, exited, dir) }
  }
  started.push(proxy)
  await eventually(async () => {
    if (child.exitCode != null) throw new Error(`${bin} exited: ${stderr}`)
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null)
    return res != null
  }, { timeoutMs: 8000, what: `${path.basename(bin)} up` })
  return proxy
}

/** deploy/haproxy.cfg, listening on a free port and pointed at `serverPort`; `v1`: send-proxy. */
async function startHaproxy (serverPort, { v1 = false } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'star-haproxy-'))
  const port = await freePort()
  let cfg = readFileSync(path.join(DEPLOY, 'haproxy.cfg'), 'utf8')
  assert.match(cfg, /bind :443/)
  cfg = cfg.replace('bind :443', `bind 127.0.0.1:${port}`).replace('127.0.0.1:9090', `127.0.0.1:${serverPort}`)
  cfg = cfg.replace(/maxconn \d+/, 'maxconn 1000') // a test's file-descriptor limit
  if (v1) cfg = cfg.replace('send-proxy-v2', 'send-proxy')
  writeFileSync(path.join(dir, 'haproxy.cfg'), cfg)
  await runProxy(which('haproxy'), ['-db', '-f', path.join(dir, 'haproxy.cfg')], dir, port)
  return port
}

/** deploy/nginx-stream.conf (PROXY protocol), on a free port, pointed at `serverPort`. */
async function startNginxStream (serverPort) {
  const dir = mkdtempSync(path.join(tmpdir(), 'star-nginx-stream-'))
  const port = await freePort()
  let stream = readFileSync(path.join(DEPLOY, 'nginx-stream.conf'), 'utf8')
  stream = stream.replace('listen 443;', `listen 127.0.0.1:${port};`).replace('listen [::]:443;', '')
    .replace('127.0.0.1:9090', `127.0.0.1:${serverPort}`)
  writeFileSync(path.join(dir, 'nginx.conf'), `load_module ${STREAM_MODULE};\n` + nginxConfig(dir, stream))
  await runProxy(which('nginx'), ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], dir, port)
  return port
}

/** nginx's http proxy with deploy/nginx.conf's Engine.IO location (X-Forwarded-For), pointed at `serverPort`. */
async function startNginxHttp (serverPort) {
  const dir = mkdtempSync(path.join(tmpdir(), 'star-nginx-http-'))
  mkdirSync(path.join(dir, 'tmp'))
  const port = await freePort()
  const site = readFileSync(path.join(DEPLOY, 'nginx.conf'), 'utf8')
  const location = /location ~ \^\/socket[\s\S]*?\n {4}\}\n/.exec(site)[0]
  const mapBlock = /map \$http_upgrade[\s\S]*?\n\}\n/.exec(site)[0]
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir, `http {
    access_log off;
${nginxTempPaths(dir)}    ${mapBlock}
    upstream webrtc_star { server 127.0.0.1:${serverPort}; }
    server {
        listen 127.0.0.1:${port};
        ${location}
        location / { proxy_pass http://webrtc_star; }
    }
}
`))
  await runProxy(which('nginx'), ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], dir, port)
  return port
}

/** Through `port`: `a` opens 3 sessions (2 allowed), then `b` one; the server logs `a` as refused. */
async function holdsEachClient (d, port, a, b) {
  const first = [await wsSession(port, { localAddress: a }), await wsSession(port, { localAddress: a })]
  assert.deepEqual(first.map((s) => s.status), [101, 101], `${a}: its first two sessions`)
  const third = await wsSession(port, { localAddress: a })
  assert.equal(third.status, 503, `${a}: the third is over --max-connections-per-address`)
  const other = await wsSession(port, { localAddress: b })
  assert.equal(other.status, 101, `${b}: another client through the same proxy`)
  await eventually(async () => d.stderr.includes(`client ${a}: session refused (connections_per_address)`),
    { what: `the refusal logged with ${a}` })
  for (const s of [...first, other]) s.close()
}

describe('the real client address through real proxies', { skip: skipReason() }, () => {
  let pp, xff
  before(async () => {
    const limit = ['--max-connections-per-address', '2', '--trusted-proxies', '127.0.0.1']
    pp = await startDaemon([...limit, '--proxy-protocol'])
    xff = await startDaemon(limit)
  })
  afterEach(() => closeAllEdge())
  after(async () => {
    await Promise.all(started.map((p) => p.stop()))
    await stopAllDaemons()
  })

  it('HAProxy, PROXY protocol v2 (deploy/haproxy.cfg)', { timeout: 30000 }, async () => {
    await holdsEachClient(pp, await startHaproxy(pp.port), '127.0.0.2', '127.0.0.3')
  })

  it('HAProxy, PROXY protocol v1', { timeout: 30000 }, async () => {
    await holdsEachClient(pp, await startHaproxy(pp.port, { v1: true }), '127.0.0.4', '127.0.0.5')
  })

  it('nginx stream, proxy_protocol on (deploy/nginx-stream.conf)', { timeout: 30000 }, async () => {
    await holdsEachClient(pp, await startNginxStream(pp.port), '127.0.0.6', '127.0.0.7')
  })

  it('nginx http, X-Forwarded-For (deploy/nginx.conf); a forged X-Forwarded-For is not believed', { timeout: 30000 }, async () => {
    const port = await startNginxHttp(xff.port)
    await holdsEachClient(xff, port, '127.0.0.8', '127.0.0.9')
    // A client's own X-Forwarded-For names someone else: nginx appends the real address, which wins.
    const forged = [1, 2, 3].map(() => ({ localAddress: '127.0.0.10', headers: { 'x-forwarded-for': '198.51.100.1' } }))
    const statuses = []
    for (const o of forged) statuses.push((await wsSession(port, o)).status)
    assert.deepEqual(statuses, [101, 101, 503])
  })
})
