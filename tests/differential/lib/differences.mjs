// The table of intended differences (intended-differences.json): which scenarios each entry
// explains, and its rendering as the README's table.

import { readFileSync } from 'node:fs'

export const TABLE_FILE = new URL('../intended-differences.json', import.meta.url)

export function loadTable () {
  return JSON.parse(readFileSync(TABLE_FILE, 'utf8'))
}

const toRegExp = (pattern) => new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$')

/** The entry that explains a difference in scenario `id`, or undefined. */
export function explain (table, id) {
  return table.find((e) => e.scenarios.some((p) => toRegExp(p).test(id)))
}

const cell = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** The README's table, as the suite renders it from the file. */
export function renderTable (table) {
  const lines = ['| Behaviour | Reference (socket.io 4) | Here | Why | Status |', '| --- | --- | --- | --- | --- |']
  for (const e of table) lines.push(`| ${cell(e.behaviour)} | ${cell(e.reference)} | ${cell(e.ours)} | ${cell(e.reason)} | ${cell(e.status)} |`)
  return lines.join('\n')
}

export const README_BEGIN = '<!-- intended-differences: generated from tests/differential/intended-differences.json; check with node tests/differential/render-readme.mjs -->'
export const README_END = '<!-- /intended-differences -->'
