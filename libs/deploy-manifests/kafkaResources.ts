import type { AclRule, AgreementGrant, ExchangeTopic } from '../kafka-access';
import { ADMIN_PRINCIPAL, allPrincipals, deriveAcls, exchangeTopicList } from '../kafka-access';
import { EXCHANGE_TOPIC_MAX_MESSAGE_BYTES } from '../kafka/topicProvisioner';

/** A Kubernetes object as written to YAML. */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
} & Record<string, unknown>;

export const STRIMZI_API = 'kafka.strimzi.io/v1';
export const PLATFORM_NAMESPACE = 'thahs-platform';
export const CLUSTER_NAME = 'thahs';
/** The secure profile's replication: three brokers, two in sync for every acknowledged write. */
export const REPLICAS = 3;
export const MIN_INSYNC = 2;

const clusterLabel = { 'strimzi.io/cluster': CLUSTER_NAME };

/** The Strimzi Kafka cluster in KRaft mode: one node pool of three combined broker/controller nodes. */
export function kafkaCluster(): Manifest[] {
  return [
    {
      apiVersion: STRIMZI_API,
      kind: 'KafkaNodePool',
      metadata: { name: 'combined', namespace: PLATFORM_NAMESPACE, labels: clusterLabel },
      spec: {
        replicas: REPLICAS,
        roles: ['controller', 'broker'],
        storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size: '100Gi', deleteClaim: false, kraftMetadata: 'shared' }] },
        resources: { requests: { memory: '2Gi', cpu: '500m' }, limits: { memory: '2Gi' } },
      },
    },
    {
      apiVersion: STRIMZI_API,
      kind: 'Kafka',
      metadata: { name: CLUSTER_NAME, namespace: PLATFORM_NAMESPACE },
      spec: {
        kafka: {
          version: '4.1.0',
          // TLS on every listener; clients authenticate with SCRAM-SHA-512 as on the local secure stack.
          listeners: [{ name: 'tls', port: 9093, type: 'internal', tls: true, authentication: { type: 'scram-sha-512' } }],
          authorization: { type: 'simple', superUsers: [ADMIN_PRINCIPAL] },
          config: {
            'default.replication.factor': REPLICAS,
            'min.insync.replicas': MIN_INSYNC,
            'offsets.topic.replication.factor': REPLICAS,
            'transaction.state.log.replication.factor': REPLICAS,
            'transaction.state.log.min.isr': MIN_INSYNC,
            'auto.create.topics.enable': false,
            'allow.everyone.if.no.acl.found': false,
          },
        },
        entityOperator: { topicOperator: {}, userOperator: {} },
      },
    },
  ];
}

/** The Strimzi form of an exchange ACL rule. */
function strimziAcl(r: AclRule): Record<string, unknown> {
  const resource = r.resource === 'cluster' ? { type: 'cluster' } : { type: r.resource, name: r.name, patternType: r.pattern === 'prefixed' ? 'prefix' : 'literal' };
  return { type: 'allow', resource, operations: [r.operation], host: '*' };
}

/** The Secret a KafkaUser's password is read from: a template, the site fills it in. */
export function kafkaPasswordSecretName(principal: string): string {
  return `thahs-kafka-${principal}`;
}

/**
 * One KafkaUser per principal: SCRAM-SHA-512 with the password of a Secret the site creates (so the
 * same password can be given to the service), and exactly the ACLs the exchange derives for it —
 * the same derivation `thahs acl sync` and the secure local stack apply.
 */
export function kafkaUsers(grants: readonly AgreementGrant[]): Manifest[] {
  const rules = deriveAcls(grants);
  return allPrincipals().map((principal) => ({
    apiVersion: STRIMZI_API,
    kind: 'KafkaUser',
    metadata: { name: principal, namespace: PLATFORM_NAMESPACE, labels: clusterLabel },
    spec: {
      authentication: { type: 'scram-sha-512', password: { valueFrom: { secretKeyRef: { name: kafkaPasswordSecretName(principal), key: 'password' } } } },
      // The super user needs no ACL; every other principal gets exactly its derived rules.
      ...(principal === ADMIN_PRINCIPAL ? {} : { authorization: { type: 'simple', acls: rules.filter((r) => r.principal === principal).map(strimziAcl) } }),
    },
  }));
}

/** A KafkaTopic's object name: topic names may hold upper case and dots, object names may not. */
export function topicObjectName(topic: string): string {
  return topic
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 253);
}

/** The retention and size every exchange topic is created with (as topicProvisioner makes them locally). */
function topicConfig(t: ExchangeTopic): Record<string, string | number> {
  return {
    'min.insync.replicas': MIN_INSYNC,
    'max.message.bytes': EXCHANGE_TOPIC_MAX_MESSAGE_BYTES,
    ...(t.kind === 'agreement' ? { 'cleanup.policy': 'compact' } : { 'cleanup.policy': 'delete', 'retention.ms': -1 }),
  };
}

export function kafkaTopics(grants: readonly AgreementGrant[]): Manifest[] {
  return exchangeTopicList(grants).map((t) => ({
    apiVersion: STRIMZI_API,
    kind: 'KafkaTopic',
    metadata: { name: topicObjectName(t.topic), namespace: PLATFORM_NAMESPACE, labels: clusterLabel },
    spec: { topicName: t.topic, partitions: t.kind === 'agreement' ? 3 : 1, replicas: REPLICAS, config: topicConfig(t) },
  }));
}
