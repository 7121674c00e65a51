// Reading one sample of a Prometheus metric from the daemon's /metrics (tests/lib/metrics.mjs).
export { sampleOf, metric, DROPPED } from '../../lib/metrics.mjs'
