// Test helper: federation envelopes (version 2) sealed and opened with js-waku's own
// @waku/message-encryption, and published or read through an nwaku stand-in's REST API, as a
// server, a rogue publisher on the relay or an eavesdropper would.
//
//   const k = newKey()                        // {privateKey, id}: id = compressed public key, hex
//   await publish(standin, presence(k, 'join', [peer]))          // signed with k, presence key
//   await publish(standin, signal(k, toId, {...}), { to: toId }) // signed with k, ECIES to toId

import { createHash, ECDH, randomBytes } from 'node:crypto'
import { generatePrivateKey, getPublicKey } from '@waku/message-encryption'
import * as ecies from '@waku/message-encryption/ecies'
import * as symmetric from '@waku/message-encryption/symmetric'

export const PUBSUB_TOPIC = '/waku/2/rs/66/0'
export const PREFIX = '/webrtc-star/1'
export const PRESENCE_TOPIC = `${PREFIX}/presence/json`
export const SIGNAL_TOPIC = `${PREFIX}/signal/json`
// protocol/waku_payload.cpp, presence_key: every federation member derives it from the prefix.
export const PRESENCE_KEY = createHash('sha256').update(`webrtc-star federation presence key v2\n${PREFIX}`).digest()

const hex = (b) => Buffer.from(b).toString('hex')
export const uncompressed = (id) => Buffer.from(ECDH.convertKey(id, 'secp256k1', 'hex', 'hex', 'uncompressed'), 'hex')

export function newKey (privateKey = generatePrivateKey()) {
  return { privateKey, privateHex: hex(privateKey), id: hex(getPublicKey(privateKey, true)) }
}

let counter = 0
const envelopeId = () => `t${randomBytes(4).toString('hex')}${++counter}`

export function presence (key, type, peers, extra = {}) {
  return { v: 2, type, from: key.id, id: envelopeId(), ts: Date.now(), peers, ...extra }
}

export function signal (key, to, { src, dst, intent, answer = false, payload, type = 'signal' }, extra = {}) {
  return { v: 2, type, from: key.id, id: envelopeId(), ts: Date.now(), to, src, dst, intent, answer, payload, ...extra }
}

// The Waku message payload bytes: presence with the presence key, signals ECIES to `to`.
// signer: the key that signs (default: the envelope's own sender key given as `key`).
export async function seal (envelope, options = {}) {
  return sealBytes(Buffer.from(JSON.stringify(envelope)), options)
}

// As seal(), with any payload bytes (not necessarily JSON).
export async function sealBytes (payload, { signer, to, symKey = PRESENCE_KEY } = {}) {
  const encoder = to
    ? ecies.createEncoder({ pubsubTopic: PUBSUB_TOPIC, contentTopic: SIGNAL_TOPIC, publicKey: uncompressed(to), sigPrivKey: signer?.privateKey })
    : symmetric.createEncoder({ pubsubTopic: PUBSUB_TOPIC, contentTopic: PRESENCE_TOPIC, symKey, sigPrivKey: signer?.privateKey })
  return Buffer.from((await encoder.toProtoObj({ payload })).payload)
}

// POSTs a message to the stand-in (nwaku's REST), which publishes it on the relay.
export async function publishRaw (standin, bytes, { contentTopic = PRESENCE_TOPIC, version = 1, meta } = {}) {
  const body = { payload: Buffer.from(bytes).toString('base64'), contentTopic, version }
  if (meta) body.meta = Buffer.from(meta).toString('base64')
  const r = await fetch(`${standin.restUrl}/relay/v1/messages/${encodeURIComponent(PUBSUB_TOPIC)}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  if (r.status !== 200) throw new Error(`publish: HTTP ${r.status} ${await r.text()}`)
  return bytes
}

// Seals `envelope` as `signer` (default: the key whose id is envelope.from) and publishes it.
export async function publish (standin, envelope, { signer, to } = {}) {
  const bytes = await seal(envelope, { signer, to })
  return publishRaw(standin, bytes, { contentTopic: to ? SIGNAL_TOPIC : PRESENCE_TOPIC })
}

// What the stand-in received since the last call: [{contentTopic, version, bytes, meta}].
export async function receive (standin) {
  const r = await fetch(`${standin.restUrl}/relay/v1/messages/${encodeURIComponent(PUBSUB_TOPIC)}`)
  return (await r.json()).map((m) => ({
    contentTopic: m.contentTopic,
    version: m.version ?? 0,
    bytes: Buffer.from(m.payload, 'base64'),
    meta: m.meta ? Buffer.from(m.meta, 'base64') : null
  }))
}

// Opens a received message with js-waku: the envelope and its signer's id, or null.
export async function open (message, { privateKey, symKey = PRESENCE_KEY } = {}) {
  const decoder = message.contentTopic === SIGNAL_TOPIC
    ? ecies.createDecoder(SIGNAL_TOPIC, privateKey ?? generatePrivateKey(), PUBSUB_TOPIC)
    : symmetric.createDecoder(PRESENCE_TOPIC, symKey, PUBSUB_TOPIC)
  const m = await decoder.fromProtoObj(PUBSUB_TOPIC, { payload: message.bytes, contentTopic: message.contentTopic, version: 1 })
  if (!m) return null
  const signer = m.signaturePublicKey
    ? ECDH.convertKey(hex(m.signaturePublicKey), 'secp256k1', 'hex', 'hex', 'compressed')
    : null
  return { envelope: JSON.parse(Buffer.from(m.payload).toString('utf8')), signer, message: m }
}
