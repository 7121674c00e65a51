// Browser side of the e2e tests: one libp2p node (libp2p 0.45 +
// @libp2p/webrtc-star 7 + noise + mplex) using the browser's own WebRTC.
// Bundled by esbuild (see lib/browser.mjs) and driven by the test through
// Playwright: the test calls window.e2e.<cmd>(args); the page reports events
// through window.e2eEmit (a function the test exposes). The commands themselves are
// lib/peer-commands.mjs, shared with the Node.js peers (lib/peer-worker.mjs).

import { peerCommands } from '../lib/peer-commands.mjs'

function emit (event, fields = {}) {
  const msg = { event, t: Date.now(), ...fields }
  if (typeof window.e2eEmit === 'function') window.e2eEmit(msg).catch(() => {})
}

async function sha256 (bytes) {
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(h, b => b.toString(16).padStart(2, '0')).join('')
}

function randomPayload (size) {
  const out = new Uint8Array(size)
  for (let off = 0; off < size; off += 65536) crypto.getRandomValues(out.subarray(off, Math.min(size, off + 65536)))
  return out
}

const commands = peerCommands({
  wrtc: {
    RTCPeerConnection: globalThis.RTCPeerConnection,
    RTCSessionDescription: globalThis.RTCSessionDescription,
    RTCIceCandidate: globalThis.RTCIceCandidate
  },
  randomPayload,
  sha256,
  emit
})

window.e2e = {
  async call (cmd, args) {
    const fn = commands[cmd]
    if (fn == null) throw new Error(`unknown command ${cmd}`)
    try {
      return { ok: true, result: await fn(args ?? {}) }
    } catch (err) {
      return { ok: false, error: { message: String(err?.message ?? err), code: err?.code, stack: err?.stack } }
    }
  }
}
window.addEventListener('unhandledrejection', (evt) => emit('log', { message: `unhandledrejection: ${evt.reason?.stack ?? evt.reason}` }))
emit('ready', { userAgent: navigator.userAgent })
