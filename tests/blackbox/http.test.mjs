// Plain HTTP: status page, health check, metrics, Engine.IO error answers.

import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { startDaemon, stopAllDaemons, httpGet } from './lib/daemon.mjs'

const REFERENCE_METRICS = [
  'webrtc_star_peers',
  'webrtc_star_joins_total',
  'webrtc_star_joins_total_success',
  'webrtc_star_joins_total_failure',
  'webrtc_star_dials_total',
  'webrtc_star_dials_total_success',
  'webrtc_star_dials_total_failure'
]

const OUR_METRICS = {
  webrtc_star_server_connections: 'gauge',
  webrtc_star_server_connections_total: 'counter',
  webrtc_star_server_frames_received_total: 'counter',
  webrtc_star_server_frames_sent_total: 'counter',
  webrtc_star_server_messages_dropped_total: 'counter',
  webrtc_star_server_joins_refused_total: 'counter',
  webrtc_star_server_forward_latency_seconds: 'histogram',
  process_resident_memory_bytes: 'gauge',
  process_open_fds: 'gauge'
}

/** Assert an Engine.IO error answer: 400, JSON, {code, message}. */
function assertEngineError (res, code, message) {
  assert.equal(res.status, 400, `status for code ${code}; body ${res.body}`)
  assert.match(String(res.headers['content-type']), /^application\/json/)
  assert.deepEqual(JSON.parse(res.body), { code, message })
}

/** A WebSocket upgrade request that the server refuses: resolves with {status, headers, body}. */
function refusedUpgrade (url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`no answer to upgrade ${url}`)) }, 5000)
    ws.on('open', () => { clearTimeout(timer); ws.terminate(); reject(new Error(`upgrade to ${url} was accepted`)) })
    ws.on('unexpected-response', (req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (s) => { body += s })
      res.on('end', () => {
        clearTimeout(timer)
        req.destroy()
        resolve({ status: res.statusCode, headers: res.headers, body })
      })
    })
    ws.on('error', () => {}) // 'unexpected-response' handles the refusal
  })
}

describe('HTTP endpoints', () => {
  let d
  before(async () => { d = await startDaemon() })
  after(stopAllDaemons)

  it('GET / is a 200 HTML page', { timeout: 10000 }, async () => {
    const res = await httpGet(`${d.url}/`)
    assert.equal(res.status, 200)
    assert.match(String(res.headers['content-type']), /^text\/html/)
    assert.match(res.body, /<html|<!doctype html/i)
  })

  it('GET /healthz is 200 "ok"', { timeout: 10000 }, async () => {
    const res = await httpGet(`${d.url}/healthz`)
    assert.equal(res.status, 200)
    assert.equal(res.body.trim(), 'ok')
  })

  it('GET /metrics has the reference metrics and ours with # HELP and # TYPE', { timeout: 10000 }, async () => {
    const res = await httpGet(`${d.url}/metrics`)
    assert.equal(res.status, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain/)
    for (const name of REFERENCE_METRICS) {
      assert.match(res.body, new RegExp(`^${name}(\\{[^}]*\\})? [0-9.eE+-]+`, 'm'), `sample of ${name}`)
    }
    for (const [name, type] of Object.entries(OUR_METRICS)) {
      assert.match(res.body, new RegExp(`^# HELP ${name} \\S`, 'm'), `# HELP ${name}`)
      assert.match(res.body, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `# TYPE ${name} ${type}`)
    }
    assert.match(res.body, /^webrtc_star_server_forward_latency_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d+/m, 'histogram +Inf bucket')
    assert.match(res.body, /^process_resident_memory_bytes [1-9]/m, 'resident memory is reported')
  })

  it('unknown paths are 404', { timeout: 10000 }, async () => {
    for (const p of ['/nope', '/socket.io.js', '/healthz/x', '/metricsx']) {
      const res = await httpGet(`${d.url}${p}`)
      assert.equal(res.status, 404, p)
    }
  })

  it('Engine.IO: an unknown transport or none -> 400 code 0 "Transport unknown"', { timeout: 10000 }, async () => {
    // long-polling is served (see polling-errors.test.mjs; --transports websocket refuses it with code 0)
    for (const path of ['/socket.io', '/socket.io-next']) {
      assertEngineError(await httpGet(`${d.url}${path}/?EIO=4&transport=flash`), 0, 'Transport unknown')
      assertEngineError(await httpGet(`${d.url}${path}/?EIO=3&transport=jsonp`), 0, 'Transport unknown')
      assertEngineError(await httpGet(`${d.url}${path}/?EIO=4`), 0, 'Transport unknown')
    }
  })

  it('Engine.IO: transport=websocket without Upgrade -> 400 code 3 "Bad request"', { timeout: 10000 }, async () => {
    assertEngineError(await httpGet(`${d.url}/socket.io/?EIO=4&transport=websocket`), 3, 'Bad request')
    assertEngineError(await httpGet(`${d.url}/socket.io-next/?EIO=3&transport=websocket`), 3, 'Bad request')
  })

  it('Engine.IO: an unknown sid -> 400 code 1 "Session ID unknown"', { timeout: 10000 }, async () => {
    const ws = `ws://127.0.0.1:${d.port}`
    assertEngineError(await refusedUpgrade(`${ws}/socket.io/?EIO=4&transport=websocket&sid=xyz`), 1, 'Session ID unknown')
    assertEngineError(await httpGet(`${d.url}/socket.io/?EIO=4&transport=websocket&sid=xyz`), 1, 'Session ID unknown')
  })

  it('Engine.IO: EIO=7 -> 400 code 5 "Unsupported protocol version"', { timeout: 10000 }, async () => {
    const ws = `ws://127.0.0.1:${d.port}`
    assertEngineError(await refusedUpgrade(`${ws}/socket.io/?EIO=7&transport=websocket`), 5, 'Unsupported protocol version')
    assertEngineError(await refusedUpgrade(`${ws}/socket.io-next/?EIO=2&transport=websocket`), 5, 'Unsupported protocol version')
  })

  it('the server still serves after all those errors', { timeout: 10000 }, async () => {
    const res = await httpGet(`${d.url}/healthz`)
    assert.equal(res.status, 200)
  })
})

describe('metrics can be disabled', () => {
  after(stopAllDaemons)

  it('--disable-metrics: /metrics is 404, /healthz still 200', { timeout: 15000 }, async () => {
    const d = await startDaemon(['--disable-metrics'])
    assert.equal((await httpGet(`${d.url}/metrics`)).status, 404)
    assert.equal((await httpGet(`${d.url}/healthz`)).status, 200)
    await d.stop()
  })

  it('env DISABLE_METRICS=true: /metrics is 404', { timeout: 15000 }, async () => {
    const d = await startDaemon([], { env: { DISABLE_METRICS: 'true' } })
    assert.equal((await httpGet(`${d.url}/metrics`)).status, 404)
    await d.stop()
  })

  it('env WEBRTC_STAR_DISABLE_METRICS=true: /metrics is 404', { timeout: 15000 }, async () => {
    const d = await startDaemon([], { env: { WEBRTC_STAR_DISABLE_METRICS: 'true' } })
    assert.equal((await httpGet(`${d.url}/metrics`)).status, 404)
    await d.stop()
  })
})
