// Keeps WebRTC traffic of the tests on the loopback interface.
//
// Two things would otherwise send packets off 127.0.0.0/8 / ::1:
//  - @libp2p/webrtc-peer's default configuration lists public STUN servers;
//  - ICE connectivity checks go to every candidate the remote side announces,
//    including the host's non-loopback interface addresses.
// `loopbackOnly(RTCPeerConnection)` returns a subclass that forces
// `iceServers: []` and ignores every remote candidate (trickled, or inside a
// remote SDP) whose address is not loopback, so checks are only ever sent to
// 127.x.x.x or ::1. It is used in Node (around @roamhq/wrtc) and in the browser
// bundle (around window.RTCPeerConnection). No dependencies: this file is
// bundled as is by esbuild.

export function isLoopbackCandidate (candidate) {
  // "candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ..."
  const line = String(candidate ?? '').replace(/^a=/, '')
  const parts = line.split(/\s+/)
  if (parts.length < 8 || !parts[0].startsWith('candidate:')) return false
  const address = parts[4].toLowerCase()
  return /^127\.\d+\.\d+\.\d+$/.test(address) || address === '::1' || address === '0:0:0:0:0:0:0:1'
}

function stripNonLoopbackCandidates (sdp) {
  if (typeof sdp !== 'string') return sdp
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
  return sdp
    .split(/\r?\n/)
    .filter(line => !line.startsWith('a=candidate:') || isLoopbackCandidate(line))
    .join(eol)
}

export function loopbackOnly (Base) {
  return class LoopbackRTCPeerConnection extends Base {
    constructor (config = {}, ...rest) {
      super({ ...config, iceServers: [] }, ...rest)
    }

    addIceCandidate (candidate, ...rest) {
      const text = candidate == null ? '' : (typeof candidate === 'string' ? candidate : candidate.candidate)
      // an empty candidate means "end of candidates": pass it through
      if (text != null && text !== '' && !isLoopbackCandidate(text)) {
        return Promise.resolve()
      }
      return super.addIceCandidate(candidate, ...rest)
    }

    setRemoteDescription (description, ...rest) {
      if (description != null && typeof description.sdp === 'string') {
        description = { type: description.type, sdp: stripNonLoopbackCandidates(description.sdp) }
      }
      return super.setRemoteDescription(description, ...rest)
    }
  }
}
