// Writes tests/federation/vectors.json: 26/WAKU2-PAYLOAD messages sealed by js-waku's
// @waku/message-encryption (a library no one here wrote) with fixed keys, for the known-answer
// tests in tests/unit/protocol/waku_payload_vectors_test.cpp. Run again only to change the vectors:
//   cd tests/waku && node make-seal-vectors.mjs
// Messages are random each time (IVs, padding, ephemeral keys); the keys and payloads are fixed.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createEncoder as symmetricEncoder } from '@waku/message-encryption/symmetric'
import { createEncoder as eciesEncoder } from '@waku/message-encryption/ecies'
import { getPublicKey } from '@waku/message-encryption'

const hex = (bytes) => Buffer.from(bytes).toString('hex')
const signer = Buffer.alloc(32, 0x11)
const recipient = Buffer.alloc(32, 0x22)
// As protocol/waku_payload.cpp derives the presence key from the content-topic prefix.
const prefix = '/webrtc-star/1'
const presenceKey = createHash('sha256').update(`webrtc-star federation presence key v2\n${prefix}`).digest()
const pubsubTopic = '/waku/2/rs/66/0'
const contentTopic = `${prefix}/presence/json`

// Every byte is i % 251: long payloads are described by their size rather than written out.
const pattern = (size) => Uint8Array.from({ length: size }, (_, i) => i % 251)
const payloads = [
  { text: '' },
  { text: '{"v":2,"type":"presence"}' },
  { text: 'é'.repeat(150) },  // 300 bytes: a two-byte size field
  { size: 65536 },            // a three-byte size field
]

async function seal(kind, signed, payload) {
  const options = { pubsubTopic, contentTopic, sigPrivKey: signed ? signer : undefined }
  const encoder = kind === 'symmetric'
    ? symmetricEncoder({ ...options, symKey: presenceKey })
    : eciesEncoder({ ...options, publicKey: getPublicKey(recipient) })
  const proto = await encoder.toProtoObj({ payload })
  if (proto.version !== 1) throw new Error('expected a version 1 Waku message')
  return hex(proto.payload)
}

const vectors = []
for (const p of payloads) {
  const bytes = p.size === undefined ? new TextEncoder().encode(p.text) : pattern(p.size)
  const described = p.size === undefined ? { payload_hex: hex(bytes) } : { payload_pattern_size: p.size }
  const kinds = p.size === undefined ? [['symmetric', true], ['symmetric', false], ['asymmetric', true], ['asymmetric', false]]
                                     : [['symmetric', true]]
  for (const [kind, signed] of kinds) vectors.push({ kind, signed, ...described, sealed_hex: await seal(kind, signed, bytes) })
}

const out = {
  generator: '@waku/message-encryption 0.0.27 (tests/waku/make-seal-vectors.mjs)',
  signer_private_key: hex(signer),
  signer_public_key: hex(getPublicKey(signer, true)),
  recipient_private_key: hex(recipient),
  presence_prefix: prefix,
  presence_key: hex(presenceKey),
  vectors,
}
writeFileSync(new URL('../federation/vectors.json', import.meta.url), JSON.stringify(out, null, 1) + '\n')
console.log(`wrote ${vectors.length} vectors`)
