// The one test library of the JavaScript suites (tests/blackbox, e2e, redis, waku): no dependency
// but Node's own modules, so any suite can use it whatever it installed.
export * from './daemon.mjs'
export * from './net.mjs'
export * from './wait.mjs'
export * from './metrics.mjs'
export * from './require.mjs'
export * from './signalling.mjs'
export * from './process.mjs'
export * from './nginx.mjs'
