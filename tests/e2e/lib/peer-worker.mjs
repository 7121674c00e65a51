// One libp2p node (libp2p 0.45 + @libp2p/webrtc-star 7 + noise + mplex +
// @roamhq/wrtc) in its own process, driven by the test through Node's IPC
// channel (child_process.fork). Keeping every node in a child process means a
// test can always kill it (SIGKILL) whatever state the native WebRTC stack is
// in, and a crash of one node never takes the test runner down.
//
// Parent -> child: { id, cmd, args }       child -> parent: { id, ok, result | error }
// Child -> parent events: { event, ... }   (see `emit` calls below)

import { createRequire } from 'node:module'
import { randomBytes, createHash } from 'node:crypto'
import { peerCommands } from './peer-commands.mjs'

const require = createRequire(import.meta.url)
const wrtc = require('@roamhq/wrtc')

function emit (event, fields = {}) {
  if (process.connected) process.send({ event, t: Date.now(), ...fields })
}

const commands = peerCommands({
  wrtc,
  randomPayload: (size) => randomBytes(size),
  sha256: (bytes) => createHash('sha256').update(bytes).digest('hex'),
  emit
})

process.on('message', async (msg) => {
  if (msg == null || typeof msg !== 'object' || msg.cmd == null) return
  const fn = commands[msg.cmd]
  try {
    if (fn == null) throw new Error(`unknown command ${msg.cmd}`)
    const result = await fn(msg.args ?? {})
    if (process.connected) process.send({ id: msg.id, ok: true, result })
  } catch (err) {
    if (process.connected) {
      process.send({ id: msg.id, ok: false, error: { message: String(err?.message ?? err), code: err?.code, stack: err?.stack } })
    }
  }
})

// The parent went away (test finished, crashed or timed out): exit at once.
process.on('disconnect', () => process.exit(0))
process.on('unhandledRejection', (err) => emit('log', { message: `unhandledRejection: ${err?.stack ?? err}` }))
process.on('uncaughtException', (err) => emit('log', { message: `uncaughtException: ${err?.stack ?? err}` }))

emit('ready', { pid: process.pid, node: process.version })
