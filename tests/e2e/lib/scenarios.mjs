// Steps shared by the Node and the browser tests. `a` and `b` are peers of
// any kind (lib/harness.mjs Peer, lib/browser.mjs BrowserPeer).

import assert from 'node:assert/strict'

/**
 * A dials B (a fresh WebRTC connection signalled through the server), echoes
 * 64 KiB and pings; then hangs up and B dials A the same way, so offers and
 * answers are relayed in both directions.
 */
export async function exchangeBothWays (a, b, maBforA, maAforB) {
  const r1 = await a.call('echo', { ma: maBforA, size: 65536 })
  assert.equal(r1.received, r1.sent, `${a.name}->${b.name} echo: byte count`)
  assert.ok(r1.equal, `${a.name}->${b.name} echo: payload came back intact`)
  const rttAB = await a.call('ping', { ma: maBforA })
  assert.ok(rttAB >= 0)
  assert.ok(b.events.some(e => e.event === 'echo-served' && e.remotePeer === a.peerId),
    `${b.name} served the echo for ${a.name}`)

  await hangUpAndWait(a, b, maBforA)

  const r2 = await b.call('echo', { ma: maAforB, size: 65536 })
  assert.equal(r2.received, r2.sent, `${b.name}->${a.name} echo: byte count`)
  assert.ok(r2.equal, `${b.name}->${a.name} echo: payload came back intact`)
  const rttBA = await b.call('ping', { ma: maAforB })
  assert.ok(rttBA >= 0)

  const conns = await b.call('connections')
  assert.ok(conns.some(c => c.remotePeer === a.peerId && c.direction === 'outbound'),
    `${b.name} holds an outbound connection to ${a.name}: ${JSON.stringify(conns)}`)
  return { echoAB: r1.ms, echoBA: r2.ms }
}

/** Closes every connection between a and b and waits until both saw it go. */
export async function hangUpAndWait (a, b, maBforA) {
  const ia = a.events.length
  const ib = b.events.length
  await a.call('hangUp', { ma: maBforA })
  try {
    await b.waitFor(e => e.event === 'peer-disconnect' && e.peerId === a.peerId, 10_000, `${a.name} to hang up`, ib)
  } catch (err) {
    // The far end learns of a hang-up from the WebRTC stack alone (the data
    // channel's close, else ICE consent after ~30 s); no signalling server
    // takes part, and Node's wrtc now and then loses that close. What these
    // tests check is the signalling of the next dial, so b closes its side
    // too, and the dial that follows must again be signalled afresh.
    console.log(`${b.name} missed ${a.name}'s hang-up (${err.message.split('\n')[0]}); ${b.name} hangs up too`)
    await b.call('hangUp', { ma: `/p2p/${a.peerId}` })
    await b.waitFor(e => e.event === 'peer-disconnect' && e.peerId === a.peerId, 10_000, `${b.name} to hang up on ${a.name}`, ib)
  }
  await a.waitFor(e => e.event === 'peer-disconnect' && e.peerId === b.peerId, 10_000, `hang up ${b.name}`, ia)
  assert.deepEqual((await a.call('connections')).filter(c => c.remotePeer === b.peerId), [])
}
