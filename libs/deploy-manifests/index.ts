/**
 * What a site deploys (deploy/k8s, deploy/compose), generated from the same principals, topic names
 * and ACL derivation as the secure local stack (libs/kafka-access, libs/db-roles), so they cannot
 * drift apart: `thahs deploy generate` writes the files, `--check` and a unit test compare them.
 */
export { renderDeployFiles, k8sManifests, manifestsYaml, deployDir, deployGrants } from './deployFiles';
export { kafkaCluster, kafkaUsers, kafkaTopics, topicObjectName, kafkaPasswordSecretName, STRIMZI_API, PLATFORM_NAMESPACE } from './kafkaResources';
export type { Manifest } from './kafkaResources';
export { ministryManifests, ministryServices, namespaceOf, PLACEHOLDER } from './ministryResources';
export { registryManifests, REGISTRY_ROLES } from './registryResources';
export { composeFiles, kafkaPasswordVar } from './composeResources';
