// Prints the README's table of intended differences from intended-differences.json, or with
// --write puts it into README.md between its markers. readme.test.mjs fails when they disagree.

import { readFileSync, writeFileSync } from 'node:fs'
import { loadTable, renderTable, README_BEGIN, README_END } from './lib/differences.mjs'

const README = new URL('../../README.md', import.meta.url)
const table = renderTable(loadTable())
if (process.argv.includes('--write')) {
  const text = readFileSync(README, 'utf8')
  const begin = text.indexOf(README_BEGIN)
  const end = text.indexOf(README_END)
  if (begin < 0 || end < begin) throw new Error('README.md has no intended-differences markers')
  writeFileSync(README, text.slice(0, begin + README_BEGIN.length) + '\n' + table + '\n' + text.slice(end))
} else {
  process.stdout.write(table + '\n')
}
