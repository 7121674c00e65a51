// The two servers every scenario runs against: this one (WEBRTC_STAR_SERVER_BIN, default
// settings) and the reference, @libp2p/webrtc-star-signalling-server@4 from tests/e2e's
// node_modules, started through tests/e2e/lib/ref-server.mjs. Both on 127.0.0.1, port 0.

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startDaemon } from '../../blackbox/lib/daemon.mjs'

const REF_SERVER = fileURLToPath(new URL('../../e2e/lib/ref-server.mjs', import.meta.url))
const LISTEN_RE = /listening on \S+:(\d+)/

export async function startOurs () {
  const d = await startDaemon([])
  return { name: 'ours', port: d.port, url: d.url, stop: () => d.stop() }
}

export async function startReference ({ timeoutMs = 20000, expectDeath = false } = {}) {
  const child = spawn(process.execPath, [REF_SERVER, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe']
  })
  const killOnExit = () => { try { child.kill('SIGKILL') } catch {} }
  process.on('exit', killOnExit)
  let stderr = ''
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reference server not listening within ${timeoutMs} ms:\n${stderr}`)), timeoutMs)
    child.stderr.setEncoding('utf8').on('data', (s) => {
      stderr += s
      const m = LISTEN_RE.exec(stderr)
      if (m) { clearTimeout(timer); resolve(Number(m[1])) }
    })
    exited.then((code) => { clearTimeout(timer); reject(new Error(`reference server exited (${code}):\n${stderr}`)) })
  })
  let stopping = false
  exited.then((code) => {
    if (!stopping && !expectDeath) process.stderr.write(`reference server died (exit ${code}) during the run:\n${stderr.slice(-3000)}\n`)
  })
  return {
    name: 'reference',
    port,
    url: `http://127.0.0.1:${port}`,
    async stop () {
      stopping = true
      child.kill('SIGTERM')
      const timer = setTimeout(killOnExit, 5000)
      await exited
      clearTimeout(timer)
      process.off('exit', killOnExit)
    }
  }
}
