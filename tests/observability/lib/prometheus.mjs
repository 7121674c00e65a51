// A real Prometheus (Debian's package) for the observability test: loopback only, an ephemeral
// port, its data in a fresh temporary folder, a short scrape and evaluation interval, and the
// shipped alert rules with their windows shortened (shortRules) so that each alert fires, and
// clears, within seconds instead of minutes. stop() ends it by its PID; a process 'exit' handler
// SIGKILLs it if the test dies.

import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort, httpGet } from '../../blackbox/lib/daemon.mjs'
import { eventually } from '../../blackbox/lib/clients.mjs'

const running = new Set()
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL') } catch {}
  }
})

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..')
export const RULES = path.join(ROOT, 'deploy/observability/rules/webrtc-star.rules.yml')
export const CHECK_DASHBOARD = path.join(ROOT, 'deploy/observability/check-dashboard.py')
export const RENDER_DASHBOARD = path.join(ROOT, 'deploy/observability/render-dashboard.py')

/**
 * The reason to skip, or false; under STAR_TESTS_REQUIRE_ALL=1 (CTest) a missing prometheus fails.
 */
export function skipWithoutPrometheus () {
  try {
    execFileSync('sh', ['-c', 'command -v prometheus && command -v promtool'], { stdio: 'ignore' })
    return false
  } catch {}
  const reason = 'no prometheus (apt-get install prometheus, or scripts/bootstrap --tests)'
  if (process.env.STAR_TESTS_REQUIRE_ALL === '1') throw new Error(`required test cannot run: ${reason}`)
  return reason
}

/**
 * The shipped rules, every `for:` made `forText` and every range window scaled to what a test
 * with a one-second scrape can see: 5m becomes 20s, 10m becomes 30s, 1m becomes 10s. Thresholds
 * are untouched: each alert must fire on real behaviour, not on a lowered bar.
 */
export function shortRules (text, { forText = '2s' } = {}) {
  const windows = { '1m': '10s', '5m': '20s', '10m': '30s' }
  return text
    .replace(/^(\s+for: )\S+$/mg, `$1${forText}`)
    .replace(/\[(\d+m)\]/g, (m, w) => {
      if (!windows[w]) throw new Error(`no short window for [${w}]`)
      return `[${windows[w]}]`
    })
}

export class Prometheus {
  constructor (targets, { interval = '1s' } = {}) {
    this.targets = targets
    this.interval = interval
    this.output = ''
  }

  get url () { return `http://127.0.0.1:${this.port}` }

  async start () {
    this.port = await freePort()
    this.dir = mkdtempSync(path.join(tmpdir(), 'star-prometheus-'))
    const rules = path.join(this.dir, 'rules.yml')
    writeFileSync(rules, shortRules(readFileSync(RULES, 'utf8')))
    const config = path.join(this.dir, 'prometheus.yml')
    writeFileSync(config, [
      'global:',
      `  scrape_interval: ${this.interval}`,
      `  evaluation_interval: ${this.interval}`,
      'rule_files:',
      `  - ${rules}`,
      'scrape_configs:',
      '  - job_name: webrtc-star',
      `    scrape_timeout: ${this.interval}`,
      '    static_configs:',
      `      - targets: [${this.targets.map((t) => `"${t}"`).join(', ')}]`,
      ''
    ].join('\n'))
    const child = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(this.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${this.port}`, '--log.level=warn', '--storage.tsdb.retention.time=1h'],
    { stdio: ['ignore', 'ignore', 'pipe'] })
    running.add(child)
    this.child = child
    child.stderr.setEncoding('utf8').on('data', (s) => { this.output += s })
    this.exited = new Promise((resolve) => child.once('exit', resolve))
    child.once('exit', () => running.delete(child))
    await eventually(async () => (await httpGet(`${this.url}/-/ready`).catch(() => ({}))).status === 200,
      { timeoutMs: 20000, everyMs: 200, what: `prometheus ready (${this.output})` })
    return this
  }

  /** An instant query: the result vector (or throws with Prometheus's error). */
  async query (expr) {
    const res = await httpGet(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`)
    const body = JSON.parse(res.body)
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`)
    return body.data.result
  }

  /** The alerts firing now, as "name instance" strings. */
  async firing () {
    const res = await httpGet(`${this.url}/api/v1/alerts`)
    return JSON.parse(res.body).data.alerts.filter((a) => a.state === 'firing')
      .map((a) => `${a.labels.alertname} ${a.labels.instance ?? ''}`.trim())
  }

  async stop () {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM')
      const timer = setTimeout(() => { try { this.child.kill('SIGKILL') } catch {} }, 5000)
      await this.exited
      clearTimeout(timer)
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true })
  }
}
