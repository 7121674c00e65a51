// The differential suite: every scenario runs once against this server and once against the
// reference (@libp2p/webrtc-star-signalling-server@4); what clients observe is compared after
// normalisation. A difference is either listed in intended-differences.json or a failure, and
// an entry there that no scenario shows any more is a failure too (the table stays true).
//
// DIFF_ONLY=<substring> runs the scenarios whose id contains it; DIFF_SHOW=1 prints both
// observations of every differing scenario; DIFF_DUMP=<file> writes every observation there.

import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { startOurs, startReference } from './lib/servers.mjs'
import { Context } from './lib/context.mjs'
import { closeAllRaw } from './lib/raw-ws.mjs'
import { loadTable, explain } from './lib/differences.mjs'
import { closeAllClients } from '../blackbox/lib/clients.mjs'
import { eventScenarios } from './scenarios/events.mjs'
import { packetScenarios } from './scenarios/packets.mjs'
import { pollingScenarios } from './scenarios/polling.mjs'
import { clientScenarios } from './scenarios/clients.mjs'

const CONCURRENCY = Number(process.env.DIFF_CONCURRENCY ?? 8)

function allScenarios () {
  const list = [...eventScenarios(), ...packetScenarios(), ...pollingScenarios(), ...clientScenarios()]
  const only = process.env.DIFF_ONLY
  return only ? list.filter((s) => s.id.includes(only)) : list
}

async function observe (server, scenario) {
  const ctx = new Context(server)
  try {
    return await scenario.run(ctx)
  } catch (err) {
    return { threw: err.message }
  }
}

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool (items, n, fn) {
  const out = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i])
    }
  }))
  return out
}

let servers = []
after(async () => {
  closeAllRaw()
  closeAllClients()
  await Promise.all(servers.map((s) => s.stop()))
})

test('every observable difference from the reference is an intended one', { timeout: 600000 }, async (t) => {
  servers = await Promise.all([startOurs(), startReference()])
  const [ours, reference] = servers
  const scenarios = allScenarios()
  const t0 = Date.now()
  const compare = async (s, a, b) => {
    const [x, y] = await Promise.all([observe(a, s), observe(b, s)])
    return { id: s.id, kind: s.kind, ours: x, reference: y, same: JSON.stringify(x) === JSON.stringify(y) }
  }
  const results = await pool(scenarios.filter((s) => !s.isolated), CONCURRENCY, (s) => compare(s, ours, reference))
  // Scenarios that bring the reference down run last, each on a fresh pair of servers.
  for (const s of scenarios.filter((s) => s.isolated)) {
    const pair = await Promise.all([startOurs(), startReference({ expectDeath: true })])
    results.push(await compare(s, ...pair))
    await Promise.all(pair.map((p) => p.stop()))
  }
  if (process.env.DIFF_DUMP) writeFileSync(process.env.DIFF_DUMP, JSON.stringify(results, null, 1))
  const table = loadTable()
  const unexplained = []
  const explained = new Map()
  const kinds = {}
  for (const r of results) {
    kinds[r.kind] = (kinds[r.kind] ?? 0) + 1
    if (r.same) continue
    const entry = explain(table, r.id)
    if (entry) explained.set(entry.id, [...(explained.get(entry.id) ?? []), r.id])
    else unexplained.push(r)
    if (process.env.DIFF_SHOW) t.diagnostic(`${r.id}\n  ours:      ${JSON.stringify(r.ours)}\n  reference: ${JSON.stringify(r.reference)}`)
  }
  const stale = table.filter((e) => !explained.has(e.id) && !process.env.DIFF_ONLY).map((e) => e.id)
  t.diagnostic(`${results.length} scenarios in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(kinds)}`)
  t.diagnostic(`identical: ${results.filter((r) => r.same).length}; intended differences: ${[...explained.values()].flat().length} (${explained.size} entries); unexplained: ${unexplained.length}`)
  const show = (r) => `${r.id}\n  ours:      ${JSON.stringify(r.ours).slice(0, 1500)}\n  reference: ${JSON.stringify(r.reference).slice(0, 1500)}`
  assert.equal(unexplained.length, 0, `differences from the reference not in intended-differences.json:\n${unexplained.map(show).join('\n')}`)
  assert.deepEqual(stale, [], 'entries of intended-differences.json that no scenario shows any more')
})
