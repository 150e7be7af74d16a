/**
 * Clients of the schema registry over TLS with credentials (the secure profile, a deployment): a
 * fetch that trusts the registry's CA and authenticates, and the arguments of
 * @kafkajs/confluent-schema-registry's client.
 */
export { registryAccess, registryAgent, registryClientArgs, basicAuthorization, RegistryAccessError } from './registryAccess';
export type { RegistryAccess } from './registryAccess';
export { registryFetch } from './registryFetch';
export type { FetchLike } from './registryFetch';
