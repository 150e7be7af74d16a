import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One Prometheus registry per process; every service registers its counters and gauges here and the
 * supervisor serves it on /metrics. prom-client gives the exposition format and histograms, which
 * are easy to get subtly wrong by hand.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'thahs_' });
