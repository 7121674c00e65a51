// Browser side of the harness: bundles browser/page.mjs with esbuild, serves
// it from 127.0.0.1, and drives pages of Debian's headless Chromium through
// playwright-core (which never downloads a browser here: we always pass
// executablePath).

import { createServer } from 'node:http'
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { E2E_DIR, PeerBase, withTimeout, remoteError, VERBOSE } from './harness.mjs'

export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebRTC on loopback only: Chromium leaves loopback interfaces out of ICE
  // gathering unless told, and by default hides host candidates behind mDNS
  // names (resolving those would multicast on the LAN).
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns'
]

export function chromiumAvailable () {
  return existsSync(CHROMIUM)
}

let bundlePromise = null

/** Bundles browser/page.mjs once per test process; resolves with { dir, html, js }. */
export function buildBundle () {
  if (bundlePromise == null) {
    bundlePromise = (async () => {
      const esbuild = await import('esbuild')
      const dir = mkdtempSync(path.join(tmpdir(), 'webrtc-star-e2e-bundle-'))
      const outfile = path.join(dir, 'page.js')
      await esbuild.build({
        entryPoints: [path.join(E2E_DIR, 'browser', 'page.mjs')],
        absWorkingDir: E2E_DIR,
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        outfile,
        define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
        logLevel: 'error'
      })
      const html = '<!doctype html><meta charset="utf-8"><title>webrtc-star e2e</title>' +
        '<script type="module" src="/page.js"></script>'
      return { dir, html, js: readFileSync(outfile) }
    })()
  }
  return bundlePromise
}

/** Serves the bundle on 127.0.0.1:<ephemeral>. Registered on the scope. */
export async function servePage (scope) {
  const { html, js, dir } = await buildBundle()
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(html)
    } else if (url.pathname === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      res.end(js)
    } else if (url.pathname === '/favicon.ico') {
      res.writeHead(204)
      res.end()
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  scope.defer(() => new Promise(resolve => {
    server.closeAllConnections?.()
    server.close(() => resolve())
  }))
  scope.defer(() => rmSync(dir, { recursive: true, force: true }))
  return `http://127.0.0.1:${server.address().port}/`
}

/** Launches headless Chromium; closed (and killed if need be) with the scope. */
export async function launchChromium (scope) {
  const { chromium } = await import('playwright-core')
  // playwright-core gives every launch a fresh temporary profile
  // (--user-data-dir) and removes it on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000
  })
  scope.defer(async () => {
    try {
      await withTimeout(browser.close(), 10_000, 'closing Chromium')
    } catch {
      // last resort: the browser process playwright started
      try { browser.process?.()?.kill('SIGKILL') } catch {}
    }
  })
  return browser
}

/** A libp2p node in a page of its own (own browser context, so nothing is shared). */
export class BrowserPeer extends PeerBase {
  static async open (scope, browser, url, name) {
    const context = await browser.newContext()
    // Chromium offers loopback (and any non-default-route) ICE candidates
    // only to pages holding a media permission (plus the flag
    // --allow-loopback-in-peer-connection); without them it would use the
    // host's default-route address only.
    await context.grantPermissions(['microphone', 'camera'], { origin: new URL(url).origin })
    const page = await context.newPage()
    const peer = scope.add(new BrowserPeer(name, context, page))
    page.on('console', (m) => peer.appendLog(`console.${m.type()}: ${m.text()}\n`))
    page.on('pageerror', (err) => peer.appendLog(`pageerror: ${err.stack ?? err}\n`))
    await page.exposeFunction('e2eEmit', (msg) => peer.record(msg))
    await page.goto(url, { timeout: 30_000 })
    return peer
  }

  constructor (name, context, page) {
    super(name)
    this.context = context
    this.page = page
  }

  async call (cmd, args = {}, timeoutMs = 30000) {
    if (VERBOSE) process.stderr.write(`[peer ${this.name}] call ${cmd} ${JSON.stringify(args)}\n`)
    const reply = await withTimeout(
      this.page.evaluate(([c, a]) => window.e2e.call(c, a), [cmd, args]),
      timeoutMs, `peer ${this.name}: ${cmd}`)
    if (!reply.ok) throw remoteError(this.name, reply.error)
    return reply.result
  }

  async stop () {
    try {
      await withTimeout(this.call('stop', {}, 5000), 6000, 'stop')
    } catch {}
    try {
      await withTimeout(this.context.close(), 5000, 'closing context')
    } catch {}
  }
}
