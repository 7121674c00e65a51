// Waiting, bounded in time: every loop here ends by its deadline.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Poll `attempt` (sync or async) every `everyMs` until it returns something truthy, and resolve
 * with that value; after `timeoutMs`, reject naming `what` and the last error `attempt` threw.
 */
export async function eventually (attempt, { timeoutMs = 3000, everyMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs
  let lastErr
  for (;;) {
    try {
      const v = await attempt()
      if (v) return v
    } catch (err) {
      lastErr = err
    }
    if (Date.now() >= deadline) break
    await sleep(everyMs)
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms${lastErr ? `: ${lastErr.message}` : ''}`)
}

/** eventually() with positional arguments (the e2e suites' spelling). */
export function until (attempt, timeoutMs, what, everyMs = 100) {
  return eventually(attempt, { timeoutMs, what, everyMs })
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withTimeout (promise, ms, what) {
  let timer
  try {
    return await Promise.race([
      promise,
      new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
      })
    ])
  } finally {
    clearTimeout(timer)
  }
}
