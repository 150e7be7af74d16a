import type { Ministry } from '../contracts/contractTypes';

/**
 * The Kafka principals of the exchange (SASL/SCRAM user names), one per ministry and service: a
 * producer writes only its own ministry's topics, an apply consumer reads only its agreements' topics
 * and groups, each ministry's agreement service the two exchange topics; operators' tools have their
 * own principal, and `admin` (a super user) is the stack's and the ACL tool's. The names are the same
 * in the local secure stack, the compose file and the Kubernetes KafkaUser resources.
 */
export const MINISTRIES: readonly Ministry[] = ['cand', 'qdnd'];

export type ServiceRole = 'producer' | 'apply' | 'agreement-sync';

export const ADMIN_PRINCIPAL = 'admin';
export const OPERATOR_PRINCIPAL = 'operator';

export function servicePrincipal(role: ServiceRole, ministry: Ministry): string {
  return `${role}-${ministry}`;
}

/** Every principal, in a fixed order: the stack creates them, deploy/ declares them. */
export function allPrincipals(): string[] {
  const out: string[] = [ADMIN_PRINCIPAL, OPERATOR_PRINCIPAL];
  for (const role of ['producer', 'apply', 'agreement-sync'] as const) for (const m of MINISTRIES) out.push(servicePrincipal(role, m));
  return out;
}

const CLIENT_IDS: readonly [RegExp, ServiceRole][] = [
  [/^cdc-producer-(cand|qdnd)$/, 'producer'],
  [/^apply-consumer-.+-(cand|qdnd)$/, 'apply'],
  [/^thahs-agreement(?:-sync)?-(cand|qdnd)$/, 'agreement-sync'],
];

/**
 * The principal a client of one process that runs several services (npm start) authenticates as,
 * from the client id its service gives kafkajs: `cdc-producer-<m>`, `apply-consumer-<agreement>-<receiver>`,
 * `thahs-agreement[-sync]-<m>`; any other client is an operator's tool. The client id only chooses
 * which credential the process presents: what a principal may do is fixed by its ACLs.
 */
export function principalForClient(clientId: string): string {
  for (const [pattern, role] of CLIENT_IDS) {
    const m = pattern.exec(clientId);
    if (m) return servicePrincipal(role, m[1] as Ministry);
  }
  return OPERATOR_PRINCIPAL;
}
