// Stopping a helper process a test started (a proxy, a Redis): SIGTERM, then SIGKILL if it has
// not exited within `graceMs`, then its scratch directory removed.
import { rmSync } from 'node:fs'

/** `exited`: a promise of the child's 'exit' event, taken when it was spawned (it may be past). */
export async function stopProcess (child, exited, dir, { graceMs = 3000 } = {}) {
  child.kill('SIGTERM')
  const timer = setTimeout(() => { try { child.kill('SIGKILL') } catch {} }, graceMs)
  await exited
  clearTimeout(timer)
  if (dir) rmSync(dir, { recursive: true, force: true })
}
