export { metricsRegistry } from './metricsRegistry';
export { startHttpEndpoint } from './httpEndpoint';
export type { HealthCheck } from './httpEndpoint';
export type { StatusPageSetup } from './httpEndpoint';
