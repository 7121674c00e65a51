// Runs the reference server, @libp2p/webrtc-star-signalling-server@4 from npm,
// with the same command-line surface the tests use for our daemon:
//   node ref-server.mjs --host 127.0.0.1 --port 0
// prints "listening on <host>:<port>" on stderr when ready, stops on SIGTERM/SIGINT.
// (Its own bin treats `--port 0` as "unset" and falls back to 9090, and only
// handles SIGINT, hence this wrapper.)

import { sigServer } from '@libp2p/webrtc-star-signalling-server'

function arg (name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback
}

const host = arg('host', '127.0.0.1')
const port = Number(arg('port', '0'))
const refresh = arg('refresh-ms', null)

const server = await sigServer({
  host,
  port,
  metrics: false,
  ...(refresh != null ? { refreshPeerListIntervalMS: Number(refresh) } : {})
})
process.stderr.write(`reference webrtc-star-signalling-server listening on ${host}:${server.info.port}\n`)

let stopping = false
async function stop () {
  if (stopping) return
  stopping = true
  try {
    await server.stop({ timeout: 2000 })
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// the test runner went away without stopping us
process.on('disconnect', stop)
