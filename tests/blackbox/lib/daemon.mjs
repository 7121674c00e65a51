// The daemon, ports, HTTP and metrics for black-box tests: the shared test library (tests/lib/),
// re-exported under the names these tests import.
export { LISTEN_RE, serverBin, findServerBin, daemonEnv, startDaemon, stopAllDaemons, runDaemon } from '../../lib/daemon.mjs'
export { freePort, httpGet } from '../../lib/net.mjs'
export { metricSum, getMetrics } from '../../lib/metrics.mjs'
