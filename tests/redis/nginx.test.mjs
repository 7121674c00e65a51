// deploy/redis as it runs, without containers: three daemons on one real redis-server behind Debian's
// nginx with deploy/redis/nginx.conf (only its upstream addresses and listen port replaced). Clients that
// all use the one nginx address land on different servers (round robin, no stickiness) and still find
// and dial each other; every server serves WebSocket only, as the Compose file sets.

import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startRedis, skipWithoutRedis } from './lib/redis.mjs'
import { redisDaemon, waitReady, metricOf } from './lib/cluster.mjs'
import { stopAllDaemons, freePort, skipUnlessRequired, stopProcess, nginxConfig, nginxTempPaths } from '../lib/index.mjs'
import { connect, joinWithAck, peerId, offer, answerTo, closeAllClients, eventually } from '../blackbox/lib/clients.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const NGINX_CONF = path.join(here, '..', '..', 'deploy', 'redis', 'nginx.conf')

function nginxBin () {
  try {
    return execFileSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

function skipReason () {
  const redis = skipWithoutRedis()
  if (redis) return redis
  return skipUnlessRequired(!nginxBin() && 'no nginx (apt-get install nginx)')
}

/** Starts nginx with deploy/redis/nginx.conf pointed at `ports`; resolves with {port, stop}. */
async function startNginx (ports) {
  const dir = mkdtempSync(path.join(tmpdir(), 'star-redis-nginx-'))
  for (const d of ['logs', 'tmp']) mkdirSync(path.join(dir, d))
  const port = await freePort()
  let site = readFileSync(NGINX_CONF, 'utf8').replace(/listen 9090;/, `listen 127.0.0.1:${port};`)
  ports.forEach((p, i) => { site = site.replace(`server star-${i + 1}:9090`, `server 127.0.0.1:${p}`) })
  assert.ok(!/star-\d:9090/.test(site), 'deploy/redis/nginx.conf changed shape')
  writeFileSync(path.join(dir, 'site.conf'), site)
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir, `http {
    access_log off;
${nginxTempPaths(dir)}    include ${dir}/site.conf;
}
`, { errorLog: `${dir}/logs/error.log` }))
  const child = spawn(nginxBin(), ['-p', dir, '-e', `${dir}/logs/error.log`, '-c', `${dir}/nginx.conf`], { stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.on('exit', () => { try { child.kill('SIGKILL') } catch {} })
  await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null)
    return res?.status === 200
  }, { timeoutMs: 5000, what: 'nginx up' })
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async stop () { await stopProcess(child, exited, dir) }
  }
}

describe('three servers on Redis behind nginx (deploy/redis)', { skip: skipReason() }, () => {
  let redis, servers, nginx

  before(async () => {
    redis = await startRedis()
    servers = []
    for (const id of ['star-1', 'star-2', 'star-3']) {
      servers.push(await redisDaemon(redis, id, { extraArgs: ['--transports', 'websocket'] }))
    }
    await waitReady(servers)
    nginx = await startNginx(servers.map((s) => s.port))
  })
  after(async () => {
    closeAllClients()
    await nginx?.stop()
    await stopAllDaemons()
    await redis?.stop()
  })

  it('clients of the one address are spread over the servers and find and dial each other', { timeout: 60000 }, async () => {
    const peers = []
    for (let i = 0; i < 6; i++) {
      const { socket, rec } = await connect('v4', nginx.url)
      const id = peerId()
      const addr = `/dns4/star.example.org/tcp/443/wss/p2p-webrtc-star/p2p/${id}`
      assert.equal(await joinWithAck(socket, addr), null)
      peers.push({ socket, rec, id, addr })
    }
    // Round robin: every server holds some of them.
    for (const s of servers) assert.ok(await metricOf(s, 'webrtc_star_peers') >= 1, `${s.serverId} holds a peer`)
    for (const p of peers) {
      for (const q of peers.filter((x) => x !== p)) await p.rec.waitFor('ws-peer', (ma) => ma === q.addr, 5000)
    }
    for (let i = 0; i < peers.length; i++) {
      const from = peers[i]
      const to = peers[(i + 1) % peers.length]
      const off = offer(from, to.addr)
      from.socket.emit('ss-handshake', off)
      const got = await to.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId, 5000)
      to.socket.emit('ss-handshake', answerTo(got))
      await from.rec.waitFor('ws-handshake', (h) => h.intentId === off.intentId && h.answer === true, 5000)
    }
  })

  it('long-polling is refused clearly by the WebSocket-only servers', async () => {
    const res = await fetch(`${nginx.url}/socket.io/?EIO=4&transport=polling`)
    assert.equal(res.status, 400)
    assert.match(await res.text(), /Transport unknown/)
  })
})
