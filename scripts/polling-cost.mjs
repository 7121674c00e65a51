#!/usr/bin/env node
// What an idle long-polling peer costs the server: starts the daemon, opens N Engine.IO
// long-polling sessions (EIO=4) that join and then only hold a GET and answer pings, and
// reports the server's RSS per peer and its CPU over a window. Bounded: N sessions, one
// window, traffic on 127.0.0.1 only, and it stops the daemon it started.
//
//   node scripts/polling-cost.mjs [build/server/webrtc-star-server] [--peers 1000] [--seconds 20] [--websocket]
//
// --websocket measures the same peers over WebSocket instead, for comparison (needs the
// `ws` package: run from tests/blackbox, whose node_modules has it).

import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'

const args = process.argv.slice(2)
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt }
const bin = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'build/server/webrtc-star-server'
const peers = Number(opt('--peers', 1000))
const seconds = Number(opt('--seconds', 20))
const overWebSocket = args.includes('--websocket')
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
function peerId () {
  let n = 0n
  for (const b of Buffer.concat([Buffer.from([0x12, 0x20]), randomBytes(32)])) n = n * 256n + BigInt(b)
  let out = ''
  while (n > 0n) { out = B58[Number(n % 58n)] + out; n /= 58n }
  return out
}

function rssKiB (pid) { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) }
function cpuTicks (pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return Number(f[11]) + Number(f[12]) // utime + stime, in clock ticks (100/s)
}

const server = spawn(bin, ['--host', '127.0.0.1', '--port', '0', '--max-messages-per-second', '0'],
  { stdio: ['ignore', 'pipe', 'pipe'] })
const port = await new Promise((resolve, reject) => {
  let out = ''
  const onData = (d) => { out += d; const m = /listening on \S+:(\d+)/.exec(out); if (m) resolve(Number(m[1])) }
  server.stdout.on('data', onData)
  server.stderr.on('data', onData)
  server.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)))
  setTimeout(() => reject(new Error('server did not start')), 10000)
})
let stopping = false

async function pollingPeer (i) {
  const base = `http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`
  const open = await (await fetch(base)).text()
  const sid = JSON.parse(open.slice(1)).sid
  const url = `${base}&sid=${sid}`
  const addr = `/ip4/127.0.0.1/tcp/${port}/ws/p2p-webrtc-star/p2p/${peerId()}`
  await fetch(url, { method: 'POST', body: `40\x1e42${JSON.stringify(['ss-join', addr])}` })
  for (;;) {
    const res = await fetch(url).catch(() => null)
    if (!res || res.status !== 200 || stopping) return
    const packets = (await res.text()).split('\x1e')
    if (packets.includes('2')) await fetch(url, { method: 'POST', body: '3' })
  }
}

async function webSocketPeer () {
  const WebSocket = createRequire(`${process.cwd()}/`)('ws')
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false })
  ws.on('message', (d) => { if (String(d) === '2') ws.send('3') })
  ws.on('error', () => {})
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send('40')
  ws.send(`42${JSON.stringify(['ss-join', `/ip4/127.0.0.1/tcp/${port}/ws/p2p-webrtc-star/p2p/${peerId()}`])}`)
}

try {
  await sleep(500)
  const before = rssKiB(server.pid)
  const started = Date.now()
  const running = []
  for (let i = 0; i < peers; i += 100) {
    const batch = []
    for (let k = i; k < Math.min(peers, i + 100); k++) {
      if (overWebSocket) batch.push(webSocketPeer())
      else { const p = pollingPeer(k); running.push(p); batch.push(sleep(0)) }
    }
    await Promise.all(batch)
  }
  await sleep(3000) // joins announced, GETs settled
  const joined = (Date.now() - started) / 1000
  const ticks0 = cpuTicks(server.pid)
  await sleep(seconds * 1000)
  const cpu = (cpuTicks(server.pid) - ticks0) / seconds // ticks per second = % of a core
  const after = rssKiB(server.pid)
  console.log(`${peers} joined idle ${overWebSocket ? 'WebSocket' : 'long-polling'} peers: ` +
    `RSS ${before} -> ${after} KiB (${((after - before) / peers).toFixed(1)} KiB per peer), ` +
    `server CPU ${cpu.toFixed(1)} % of a core over ${seconds} s, set up in ${joined.toFixed(1)} s`)
} finally {
  stopping = true
  server.kill('SIGTERM')
  setTimeout(() => process.exit(0), 2000).unref()
}
