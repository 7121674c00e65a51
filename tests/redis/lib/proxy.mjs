// A TCP proxy in the test process, to cut one server off from Redis while the others still reach
// it: block() makes it a black hole (bytes either way are dropped, connections stay open, as in a
// network partition where nothing resets), unblock() lets bytes through again. close() ends it.

import net from 'node:net'

export async function startProxy (targetPort) {
  const sockets = new Set()
  let blocked = false
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy() })
    }
    client.on('data', (d) => { if (!blocked) upstream.write(d) })
    upstream.on('data', (d) => { if (!blocked) client.write(d) })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: server.address().port,
    block () { blocked = true },
    unblock () { blocked = false },
    async close () {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
