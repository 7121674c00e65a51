// Starting and stopping the real webrtc-star-server daemon, for every JavaScript suite.
//
// The binary comes from the environment variable WEBRTC_STAR_SERVER_BIN.
// Every daemon started here is remembered; stopAllDaemons() (use it in an
// after() hook) stops the ones still running, and a process 'exit' handler
// SIGKILLs any leftovers so a crashed test file never leaves a daemon behind.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const LISTEN_RE = /listening on \S+:(\d+)/

const running = new Set()

process.on('exit', () => {
  for (const d of running) {
    try { d.process.kill('SIGKILL') } catch {}
  }
})

const BUILT = fileURLToPath(new URL('../../build/server/webrtc-star-server', import.meta.url))

/** The daemon: $WEBRTC_STAR_SERVER_BIN, else build/server/webrtc-star-server if built, else null. */
export function findServerBin () {
  const bin = process.env.WEBRTC_STAR_SERVER_BIN
  if (bin) return bin
  return existsSync(BUILT) ? BUILT : null
}

export function serverBin () {
  const bin = findServerBin()
  if (!bin) {
    throw new Error('WEBRTC_STAR_SERVER_BIN is not set: point it at the webrtc-star-server binary')
  }
  return bin
}

// The environment for a daemon: ours, minus every variable that configures
// the daemon (so the developer's shell cannot change test results), plus `env`.
export function daemonEnv (env = {}) {
  const clean = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('WEBRTC_STAR_') && k !== 'WEBRTC_STAR_SERVER_BIN') continue
    if (k === 'PORT' || k === 'HOST' || k === 'DISABLE_METRICS') continue
    clean[k] = v
  }
  return { ...clean, ...env }
}

/**
 * Start the daemon and wait until it logs `listening on <host>:<port>`.
 *
 * @param {string[]} extraArgs appended after `--host 127.0.0.1 --port 0`
 * @param {object} [opts]
 * @param {string[]} [opts.args] full argument list instead of the default `--host 127.0.0.1 --port 0 ...extraArgs`
 * @param {object} [opts.env] extra environment variables
 * @param {number} [opts.timeoutMs] how long to wait for the listening line (10 s)
 * @param {(chunk:string)=>void} [opts.onOutput] sees every chunk of stdout and stderr (verbose runs)
 * @returns {Promise<{port:number,url:string,process:import('node:child_process').ChildProcess,
 *   readonly stderr:string, readonly stdout:string, output:()=>string,
 *   stop:(opts?:{graceMs?:number})=>Promise<{code:number|null,signal:string|null,elapsedMs:number}>}>}
 */
export async function startDaemon (extraArgs = [], opts = {}) {
  const args = opts.args ?? ['--host', '127.0.0.1', '--port', '0', ...extraArgs]
  const timeoutMs = opts.timeoutMs ?? 10000
  const child = spawn(serverBin(), args, {
    env: daemonEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  let stdout = ''
  child.stderr.setEncoding('utf8')
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (s) => { stdout += s })
  if (opts.onOutput) {
    child.stdout.on('data', opts.onOutput)
    child.stderr.on('data', opts.onOutput)
  }

  let exitInfo = null
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal }
      running.delete(daemon)
      resolve(exitInfo)
    })
  })

  const daemon = {
    process: child,
    port: 0,
    url: '',
    args,
    get stderr () { return stderr },
    get stdout () { return stdout },
    get exited () { return exitInfo },
    output: () => stderr + stdout,
    waitExit,
    stop
  }

  /** Wait (at most timeoutMs) for the daemon to exit by itself; resolves with {code, signal} or null. */
  async function waitExit (timeoutMs = 7000) {
    let timer
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs) })
    const res = await Promise.race([exited, timeout])
    clearTimeout(timer)
    return res
  }
  running.add(daemon)

  let stopPromise = null
  /** SIGTERM, then SIGKILL after graceMs (7 s); safe to call twice. */
  function stop ({ graceMs = 7000 } = {}) {
    if (stopPromise) return stopPromise
    stopPromise = (async () => {
      const t0 = Date.now()
      if (exitInfo == null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => { try { child.kill('SIGKILL') } catch {} }, graceMs)
        await exited
        clearTimeout(timer)
      }
      return { ...exitInfo, elapsedMs: Date.now() - t0 }
    })()
    return stopPromise
  }

  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`daemon did not log "listening on" within ${timeoutMs} ms; args=${JSON.stringify(args)}\nstderr:\n${stderr}\nstdout:\n${stdout}`))
      }, timeoutMs)
      const onData = (s) => {
        stderr += s
        const m = LISTEN_RE.exec(stderr)
        if (m) {
          clearTimeout(timer)
          resolve(Number(m[1]))
        }
      }
      child.stderr.on('data', onData)
      child.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot start ${serverBin()}: ${err.message}`)) })
      exited.then((info) => {
        clearTimeout(timer)
        reject(new Error(`daemon exited (code ${info.code}, signal ${info.signal}) before listening; args=${JSON.stringify(args)}\nstderr:\n${stderr}\nstdout:\n${stdout}`))
      })
    })
    daemon.port = port
    daemon.url = `http://127.0.0.1:${port}`
    return daemon
  } catch (err) {
    await stop()
    throw err
  }
}

/** Stop every daemon this process started and that is still running. */
export async function stopAllDaemons () {
  await Promise.all([...running].map((d) => d.stop()))
}

/**
 * Run the daemon to completion (for --help, bad flags, ...).
 * Kills it after timeoutMs (default 5 s) and reports that as timedOut.
 */
export async function runDaemon (args, { env, timeoutMs = 5000 } = {}) {
  const child = spawn(serverBin(), args, { env: daemonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s })
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeoutMs)
  // 'close' comes after 'exit' once stdout and stderr are drained
  const [code, signal] = await once(child, 'close')
  clearTimeout(timer)
  return { code, signal, stdout, stderr, timedOut }
}
