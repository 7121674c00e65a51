// The README's "Intended differences from the reference" table is the one the suite reads.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { loadTable, renderTable, README_BEGIN, README_END } from './lib/differences.mjs'

test('the README shows exactly the table of intended differences the suite checks', () => {
  const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const begin = text.indexOf(README_BEGIN)
  const end = text.indexOf(README_END)
  assert.ok(begin >= 0 && end > begin, 'README.md lacks the intended-differences markers')
  const shown = text.slice(begin + README_BEGIN.length, end).trim()
  assert.equal(shown, renderTable(loadTable()),
    'README.md and tests/differential/intended-differences.json disagree: run node tests/differential/render-readme.mjs --write')
})

test('every intended difference says what differs and why, and names its scenarios', () => {
  const ids = new Set()
  for (const e of loadTable()) {
    for (const k of ['id', 'status', 'behaviour', 'reference', 'ours', 'reason']) assert.ok(typeof e[k] === 'string' && e[k].length > 0, `${e.id}: ${k} missing`)
    assert.ok(Array.isArray(e.scenarios) && e.scenarios.length > 0, `${e.id}: no scenarios`)
    assert.ok(!ids.has(e.id), `${e.id} twice`)
    ids.add(e.id)
  }
})
