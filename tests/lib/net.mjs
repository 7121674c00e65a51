// Loopback ports and plain HTTP requests, for every JavaScript suite.

import net from 'node:net'
import http from 'node:http'
import { once } from 'node:events'

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort () {
  const srv = net.createServer()
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const { port } = srv.address()
  srv.close()
  await once(srv, 'close')
  return port
}

/**
 * A plain HTTP GET on a fresh connection (no keep-alive, so nothing lingers).
 * @returns {Promise<{status:number, headers:object, body:string}>}
 */
export function httpGet (url, { headers = {}, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { Connection: 'close', ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (s) => { body += s })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }))
      res.on('error', reject)
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
  })
}

/** The base URL of a daemon or server object ({url} or {port}). */
export function urlOf (server) {
  return server.url ?? `http://127.0.0.1:${server.port}`
}
