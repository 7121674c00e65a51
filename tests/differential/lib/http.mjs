// Plain HTTP requests (fetch on a fresh connection each) recorded as what a client can see:
// status, the body (normalised) and the headers that matter to a browser.

const SEEN_HEADERS = ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods',
  'access-control-allow-headers', 'content-type']

export async function request (ctx, pathAndQuery, { method = 'GET', body, headers = {}, timeoutMs = 8000 } = {}) {
  try {
    const res = await fetch(ctx.httpUrl(pathAndQuery), {
      method,
      body,
      headers: { connection: 'close', ...headers },
      signal: AbortSignal.timeout(timeoutMs)
    })
    const text = await res.text()
    const seen = {}
    for (const h of SEEN_HEADERS) if (res.headers.get(h) != null) seen[h] = res.headers.get(h)
    return { status: res.status, headers: seen, body: ctx.norm(text.length > 400 ? `<${text.length} chars>` : text) }
  } catch (err) {
    return { error: err.name === 'TimeoutError' ? 'timeout' : 'connection error' }
  }
}
