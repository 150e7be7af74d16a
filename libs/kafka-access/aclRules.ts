import type { Ministry } from '../contracts/contractTypes';

/** The ACL vocabulary the exchange uses: the subset of Kafka's that its principals need. */
export type AclResource = 'topic' | 'group' | 'cluster';
export type AclPattern = 'literal' | 'prefixed';
export type AclOperation = 'Read' | 'Write' | 'Create' | 'Describe' | 'DescribeConfigs' | 'IdempotentWrite';

/** One ALLOW rule for a principal, from any host (Kafka's default deny covers everything else). */
export interface AclRule {
  principal: string;
  resource: AclResource;
  /** `kafka-cluster` for the cluster resource. */
  name: string;
  pattern: AclPattern;
  operation: AclOperation;
}

/** What one agreement in force opens on the platform: its provider's topics to its receivers. */
export interface AgreementGrant {
  agreementId: string;
  provider: Ministry;
  receivers: readonly Ministry[];
  /** Entities shared (topic names `<prefix>.<provider>.<agreementId>.<entity>`). */
  entities: readonly string[];
}

export const CLUSTER_RESOURCE = 'kafka-cluster';

export function ruleKey(r: AclRule): string {
  return [r.principal, r.resource, r.pattern, r.name, r.operation].join('|');
}

/** Rules in one fixed order without repeats: derivations compare as text. */
export function normaliseRules(rules: Iterable<AclRule>): AclRule[] {
  const byKey = new Map<string, AclRule>();
  for (const r of rules) byKey.set(ruleKey(r), r);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}
