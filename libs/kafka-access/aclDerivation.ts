import { agreementTopic, applyGroupId, dlqTopic } from '../contracts/agreementTopics';
import type { Ministry } from '../contracts/contractTypes';
import { type AclOperation, type AclRule, type AgreementGrant, CLUSTER_RESOURCE, normaliseRules } from './aclRules';
import { MINISTRIES, OPERATOR_PRINCIPAL, servicePrincipal } from './servicePrincipals';

/**
 * The ACLs of the exchange, derived from the agreements in force: one derivation for the local secure
 * stack (`thahs acl sync`, `stack up --profile secure`) and for deploy/ (the KafkaUser resources are
 * generated from it and a test holds them equal), so the three never disagree.
 *
 * - `producer-<m>` writes, creates and describes only `<prefix>.<m>.*`, and may write idempotently;
 * - `apply-<r>` reads, for each agreement whose receiver r is, the topics `<prefix>.<provider>.<agreement>.*`
 *   and its group `<prefix>-apply-<agreement>-<r>` only, and writes that agreement's dead-letter topic;
 * - `agreement-sync-<m>` reads and writes the two exchange topics with its own groups, and reads the
 *   signed deletion records receivers send to `<prefix>.deletion-records` (apply-<r> writes them);
 * - `operator` reads and describes every exchange topic (inspection groups `<prefix>-inspect-*`) and
 *   describes groups; it writes nothing.
 */
export interface DerivationOptions {
  /** Topic prefix (default `thahs`). */
  prefix?: string;
}

const EXCHANGE_TOPICS = (prefix: string): string[] => [`${prefix}.agreements`, `${prefix}.requests`];
/** Where a receiver's apply consumer sends the signed records of deletions an agreement required. */
export const deletionRecordsTopic = (prefix: string): string => `${prefix}.deletion-records`;

function topicRules(principal: string, name: string, pattern: AclRule['pattern'], ops: readonly AclOperation[]): AclRule[] {
  return ops.map((operation) => ({ principal, resource: 'topic', name, pattern, operation }));
}
function groupRule(principal: string, name: string, pattern: AclRule['pattern'], operation: AclOperation = 'Read'): AclRule {
  return { principal, resource: 'group', name, pattern, operation };
}
function clusterRule(principal: string, operation: AclOperation): AclRule {
  return { principal, resource: 'cluster', name: CLUSTER_RESOURCE, pattern: 'literal', operation };
}

/** Rules that do not depend on agreements: producers, agreement services, operators. */
export function baseRules(o: DerivationOptions = {}): AclRule[] {
  const prefix = o.prefix ?? 'thahs';
  const out: AclRule[] = [];
  for (const m of MINISTRIES) {
    const producer = servicePrincipal('producer', m);
    out.push(...topicRules(producer, `${prefix}.${m}.`, 'prefixed', ['Write', 'Create', 'Describe', 'DescribeConfigs']), clusterRule(producer, 'IdempotentWrite'));
    const sync = servicePrincipal('agreement-sync', m);
    for (const t of EXCHANGE_TOPICS(prefix)) out.push(...topicRules(sync, t, 'literal', ['Read', 'Write', 'Create', 'Describe', 'DescribeConfigs']));
    // One group per exchange topic (agreement-sync's `<group>.agreements` and `<group>.requests`).
    for (const t of ['agreements', 'requests']) out.push(groupRule(sync, `${prefix}-agreement-sync-${m}.${t}`, 'literal'));
    out.push(clusterRule(sync, 'IdempotentWrite'));
    out.push(...topicRules(sync, deletionRecordsTopic(prefix), 'literal', ['Read', 'Describe']));
    out.push(...topicRules(servicePrincipal('apply', m), deletionRecordsTopic(prefix), 'literal', ['Write', 'Create', 'Describe']));
  }
  out.push(
    ...topicRules(OPERATOR_PRINCIPAL, `${prefix}.`, 'prefixed', ['Read', 'Describe', 'DescribeConfigs']),
    groupRule(OPERATOR_PRINCIPAL, `${prefix}-inspect-`, 'prefixed'),
    groupRule(OPERATOR_PRINCIPAL, `${prefix}-`, 'prefixed', 'Describe'),
    clusterRule(OPERATOR_PRINCIPAL, 'Describe'),
  );
  return out;
}

/**
 * The read grant of one agreement's topics: the prefix `<prefix>.<provider>.<agreement>.` covers the
 * entities a later amendment adds. Agreement ids may contain dots, so when another agreement of the
 * same provider has an id that starts with `<agreement>.`, that prefix would cover its topics too:
 * then each entity's topic is granted by its literal name instead.
 */
function agreementReadRules(principal: string, g: AgreementGrant, all: readonly AgreementGrant[], prefix: string): AclRule[] {
  const ambiguous = all.some((o) => o !== g && o.provider === g.provider && o.agreementId.startsWith(`${g.agreementId}.`));
  if (!ambiguous) return topicRules(principal, `${prefix}.${g.provider}.${g.agreementId}.`, 'prefixed', ['Read', 'Describe']);
  return g.entities.flatMap((e) => topicRules(principal, agreementTopic(prefix, g.provider, g.agreementId, e), 'literal', ['Read', 'Describe']));
}

/** Rules the agreements in force add: each receiver's consumer reads its agreements only. */
export function agreementRules(grants: readonly AgreementGrant[], o: DerivationOptions = {}): AclRule[] {
  const prefix = o.prefix ?? 'thahs';
  const out: AclRule[] = [];
  for (const g of grants) {
    for (const r of g.receivers) {
      if (r === g.provider) continue;
      const apply = servicePrincipal('apply', r);
      out.push(...agreementReadRules(apply, g, grants, prefix));
      out.push(groupRule(apply, applyGroupId(prefix, g.agreementId, r), 'literal'));
      // Each consumer process reads the provider's signed watermarks in a group of its own (WatermarkReader).
      out.push(groupRule(apply, `${applyGroupId(prefix, g.agreementId, r)}.watermarks.`, 'prefixed'));
      out.push(...topicRules(apply, dlqTopic(prefix, r, g.agreementId), 'literal', ['Write', 'Create', 'Describe']));
      out.push(clusterRule(apply, 'IdempotentWrite'));
    }
  }
  return out;
}

/** Every ACL of the exchange for these agreements, normalised (sorted, without repeats). */
export function deriveAcls(grants: readonly AgreementGrant[], o: DerivationOptions = {}): AclRule[] {
  return normaliseRules([...baseRules(o), ...agreementRules(grants, o)]);
}

export interface ExchangeTopic {
  topic: string;
  kind: 'agreement' | 'dlq' | 'exchange';
  provider?: Ministry;
  receiver?: Ministry;
  agreementId?: string;
  entity?: string;
}

/** The topics the agreements (and the agreement exchange) use, for KafkaTopic resources. */
export function exchangeTopicList(grants: readonly AgreementGrant[], o: DerivationOptions = {}): ExchangeTopic[] {
  const prefix = o.prefix ?? 'thahs';
  const out: ExchangeTopic[] = [...EXCHANGE_TOPICS(prefix), deletionRecordsTopic(prefix)].map((topic) => ({ topic, kind: 'exchange' }));
  for (const g of grants) {
    for (const entity of g.entities)
      out.push({ topic: agreementTopic(prefix, g.provider, g.agreementId, entity), kind: 'agreement', provider: g.provider, agreementId: g.agreementId, entity });
    for (const r of g.receivers) if (r !== g.provider) out.push({ topic: dlqTopic(prefix, r, g.agreementId), kind: 'dlq', receiver: r, agreementId: g.agreementId });
  }
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}
