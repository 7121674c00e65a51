// Interop at the codec level: what our sealer (tests/federation/star-seal-tool, the code the daemon
// seals and opens with) writes, js-waku's @waku/message-encryption decrypts and verifies; what
// js-waku seals, our sealer opens and attributes to the right key. Keys are the test's own.
// Symmetric (presence) and asymmetric (signals), all signed; and the refusals a receiver must make.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { skipUnlessRequired } from '../lib/require.mjs'
import { generatePrivateKey, getPublicKey } from '@waku/message-encryption'
import * as ecies from '@waku/message-encryption/ecies'
import * as symmetric from '@waku/message-encryption/symmetric'

const run = promisify(execFile)
const tool = process.env.STAR_SEAL_TOOL ??
  (process.env.WEBRTC_STAR_SERVER_BIN && join(dirname(process.env.WEBRTC_STAR_SERVER_BIN), '../tests/federation/star-seal-tool'))
const skip = !tool || !existsSync(tool) ? 'star-seal-tool not built (set STAR_SEAL_TOOL)' : false
skipUnlessRequired(skip)

const pubsubTopic = '/waku/2/rs/66/0'
const prefix = `/webrtc-star-interop/${randomBytes(4).toString('hex')}`
const presenceTopic = `${prefix}/presence/json`
const signalTopic = `${prefix}/signal/json`
// What the sealer derives from the content-topic prefix (protocol/waku_payload.cpp, presence_key).
const presenceKey = createHash('sha256').update(`webrtc-star federation presence key v2\n${prefix}`).digest()
const hex = (b) => Buffer.from(b).toString('hex')
const idOf = (privateKey) => hex(getPublicKey(privateKey, true))
const peer = 'QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC'

async function sealWithTool (ownKey, envelope) {
  const { stdout } = await run(tool, ['seal', hex(ownKey), prefix, JSON.stringify(envelope)], { timeout: 10000 })
  return Buffer.from(stdout.trim(), 'hex')
}

async function openWithTool (ownKey, topic, payload) {
  try {
    const { stdout } = await run(tool, ['open', hex(ownKey), prefix, topic, hex(payload)], { timeout: 10000 })
    return JSON.parse(stdout)
  } catch (e) {
    if (e.code === 1) return JSON.parse(e.stdout)  // a refusal
    throw e
  }
}

const wire = (payload, contentTopic) => ({ payload, contentTopic, version: 1, timestamp: undefined, meta: undefined, rateLimitProof: undefined, ephemeral: false })

const presence = (from) => ({ v: 2, type: 'presence', from, id: `p-${randomBytes(4).toString('hex')}`, ts: Date.now(), peers: [peer] })
const signal = (from, to) => ({
  v: 2, type: 'signal', from, id: `s-${randomBytes(4).toString('hex')}`, ts: Date.now(), to, src: peer, dst: peer,
  intent: 'i-1', answer: false, payload: { signal: { type: 'offer', sdp: 'v=0\r\n' } }
})

test('js-waku decrypts and verifies the presence we seal (AES-256-GCM, signed)', { skip, timeout: 30000 }, async () => {
  const ours = generatePrivateKey()
  const envelope = presence(idOf(ours))
  const sealed = await sealWithTool(ours, envelope)
  const decoder = symmetric.createDecoder(presenceTopic, presenceKey, pubsubTopic)
  const message = await decoder.fromProtoObj(pubsubTopic, wire(sealed, presenceTopic))
  assert.ok(message, 'js-waku could not decrypt it')
  assert.deepEqual(JSON.parse(Buffer.from(message.payload).toString()), envelope)
  assert.equal(hex(message.signaturePublicKey), hex(getPublicKey(ours)))
  assert.equal(message.verifySignature(getPublicKey(ours)), true)
  assert.equal(message.verifySignature(getPublicKey(generatePrivateKey())), false)
  // Anyone without the federation's presence key reads nothing.
  const outsider = symmetric.createDecoder(presenceTopic, randomBytes(32), pubsubTopic)
  assert.equal(await outsider.fromProtoObj(pubsubTopic, wire(sealed, presenceTopic)), undefined)
})

test('js-waku decrypts and verifies the signal we seal to its key (ECIES, signed); no one else can', { skip, timeout: 30000 }, async () => {
  const ours = generatePrivateKey()
  const theirs = generatePrivateKey()
  const envelope = signal(idOf(ours), idOf(theirs))
  const sealed = await sealWithTool(ours, envelope)
  const message = await ecies.createDecoder(signalTopic, theirs, pubsubTopic).fromProtoObj(pubsubTopic, wire(sealed, signalTopic))
  assert.ok(message, 'js-waku could not decrypt it')
  assert.deepEqual(JSON.parse(Buffer.from(message.payload).toString()), envelope)
  assert.equal(message.verifySignature(getPublicKey(ours)), true)
  const eavesdropper = ecies.createDecoder(signalTopic, generatePrivateKey(), pubsubTopic)
  assert.equal(await eavesdropper.fromProtoObj(pubsubTopic, wire(sealed, signalTopic)), undefined)
})

test('our sealer opens what js-waku seals, and names the signer', { skip, timeout: 30000 }, async () => {
  const ours = generatePrivateKey()
  const theirs = generatePrivateKey()
  const presenceEnvelope = presence(idOf(theirs))
  const presenceEncoder = symmetric.createEncoder({ pubsubTopic, contentTopic: presenceTopic, symKey: presenceKey, sigPrivKey: theirs })
  const sealedPresence = (await presenceEncoder.toProtoObj({ payload: Buffer.from(JSON.stringify(presenceEnvelope)) })).payload
  const openedPresence = await openWithTool(ours, 'presence', sealedPresence)
  assert.deepEqual(openedPresence, { envelope: presenceEnvelope, signer: idOf(theirs) })

  const signalEnvelope = signal(idOf(theirs), idOf(ours))
  const signalEncoder = ecies.createEncoder({ pubsubTopic, contentTopic: signalTopic, publicKey: getPublicKey(ours), sigPrivKey: theirs })
  const sealedSignal = (await signalEncoder.toProtoObj({ payload: Buffer.from(JSON.stringify(signalEnvelope)) })).payload
  const openedSignal = await openWithTool(ours, 'signal', sealedSignal)
  assert.deepEqual(openedSignal, { envelope: signalEnvelope, signer: idOf(theirs) })
})

test('our sealer refuses what a receiver must not believe, with the reason', { skip, timeout: 30000 }, async () => {
  const ours = generatePrivateKey()
  const theirs = generatePrivateKey()
  const seal = async (encoder, envelope) => (await encoder.toProtoObj({ payload: Buffer.from(JSON.stringify(envelope)) })).payload
  const unsigned = symmetric.createEncoder({ pubsubTopic, contentTopic: presenceTopic, symKey: presenceKey })
  assert.deepEqual(await openWithTool(ours, 'presence', await seal(unsigned, presence(idOf(theirs)))), { refusal: 'unsigned' })
  const toSomeoneElse = ecies.createEncoder({ pubsubTopic, contentTopic: signalTopic, publicKey: getPublicKey(generatePrivateKey()), sigPrivKey: theirs })
  assert.deepEqual(await openWithTool(ours, 'signal', await seal(toSomeoneElse, signal(idOf(theirs), idOf(ours)))), { refusal: 'undecryptable' })
  const otherFederation = symmetric.createEncoder({ pubsubTopic, contentTopic: presenceTopic, symKey: randomBytes(32), sigPrivKey: theirs })
  assert.deepEqual(await openWithTool(ours, 'presence', await seal(otherFederation, presence(idOf(theirs)))), { refusal: 'undecryptable' })
  const signed = symmetric.createEncoder({ pubsubTopic, contentTopic: presenceTopic, symKey: presenceKey, sigPrivKey: theirs })
  const v1 = { ...presence(idOf(theirs)), v: 1 }
  assert.deepEqual(await openWithTool(ours, 'presence', await seal(signed, v1)), { refusal: 'old_version' })
  assert.deepEqual(await openWithTool(ours, 'presence', Buffer.from(JSON.stringify(v1))), { refusal: 'old_version' })
  assert.deepEqual(await openWithTool(ours, 'presence', await seal(signed, { v: 2, type: 'presence' })), { refusal: 'bad_envelope' })
  const sealed = await seal(signed, presence(idOf(theirs)))
  sealed[sealed.length - 20] ^= 1  // the GCM tag
  assert.deepEqual(await openWithTool(ours, 'presence', sealed), { refusal: 'undecryptable' })
})
