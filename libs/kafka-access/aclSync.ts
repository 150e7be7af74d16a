import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, type Admin, type Kafka, ResourcePatternTypes } from 'kafkajs';
import { type AclOperation, type AclResource, type AclRule, normaliseRules, ruleKey } from './aclRules';
import { ADMIN_PRINCIPAL, allPrincipals } from './servicePrincipals';

const RESOURCE: Record<AclResource, AclResourceTypes> = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP, cluster: AclResourceTypes.CLUSTER };
const OPERATION: Record<AclOperation, AclOperationTypes> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Describe: AclOperationTypes.DESCRIBE,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
};
const reverse = <K extends string, V>(m: Record<K, V>): Map<V, K> => new Map((Object.entries(m) as [K, V][]).map(([k, v]) => [v, k]));
const RESOURCE_NAME = reverse(RESOURCE);
const OPERATION_NAME = reverse(OPERATION);

export interface AclSyncResult {
  created: AclRule[];
  deleted: AclRule[];
  /** ACLs of the managed principals the exchange does not use (DENY rules, other operations): left alone, reported. */
  foreign: string[];
}

/** Kafka's ACL binding of a rule (ALLOW from any host). */
function binding(r: AclRule) {
  return {
    resourceType: RESOURCE[r.resource],
    resourceName: r.name,
    resourcePatternType: r.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: `User:${r.principal}`,
    host: '*',
    operation: OPERATION[r.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** The exchange's rules the cluster holds now for the managed principals, and any other ACL of theirs. */
export async function currentRules(admin: Admin, managed: ReadonlySet<string>): Promise<{ rules: AclRule[]; foreign: string[] }> {
  const r = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  const rules: AclRule[] = [];
  const foreign: string[] = [];
  for (const res of r.resources) {
    for (const acl of res.acls) {
      const principal = acl.principal.startsWith('User:') ? acl.principal.slice('User:'.length) : acl.principal;
      if (!managed.has(principal)) continue;
      const resource = RESOURCE_NAME.get(res.resourceType);
      const operation = OPERATION_NAME.get(acl.operation);
      const pattern = res.resourcePatternType === ResourcePatternTypes.PREFIXED ? 'prefixed' : res.resourcePatternType === ResourcePatternTypes.LITERAL ? 'literal' : undefined;
      if (!resource || !operation || !pattern || acl.permissionType !== AclPermissionTypes.ALLOW || acl.host !== '*') {
        foreign.push(`${acl.principal} ${acl.permissionType === AclPermissionTypes.DENY ? 'DENY' : 'ALLOW'} op ${acl.operation} on ${res.resourceType}:${res.resourceName}`);
        continue;
      }
      rules.push({ principal, resource, name: res.resourceName, pattern, operation });
    }
  }
  return { rules: normaliseRules(rules), foreign };
}

/**
 * Makes the cluster's ACLs of the exchange's principals (all but the super user `admin`) exactly
 * `desired`: missing rules are created, rules no longer derived (an agreement that ended) deleted.
 * Run as a principal allowed to alter ACLs (`admin`). `dryRun` only reports the difference.
 */
export async function syncAcls(kafka: Kafka, desired: readonly AclRule[], o: { dryRun?: boolean } = {}): Promise<AclSyncResult> {
  const managed = new Set(allPrincipals().filter((p) => p !== ADMIN_PRINCIPAL));
  for (const r of desired) if (!managed.has(r.principal)) throw new RangeError(`ACL for ${r.principal}, which is not a principal of the exchange`);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { rules: held, foreign } = await currentRules(admin, managed);
    const want = new Map(normaliseRules(desired).map((r) => [ruleKey(r), r]));
    const have = new Map(held.map((r) => [ruleKey(r), r]));
    const created = [...want.entries()].filter(([k]) => !have.has(k)).map(([, r]) => r);
    const deleted = [...have.entries()].filter(([k]) => !want.has(k)).map(([, r]) => r);
    if (!o.dryRun) {
      if (created.length > 0) await admin.createAcls({ acl: created.map(binding) });
      if (deleted.length > 0) await admin.deleteAcls({ filters: deleted.map(binding) });
    }
    return { created, deleted, foreign };
  } finally {
    await admin.disconnect();
  }
}

export function formatRule(r: AclRule): string {
  return `${r.principal} ${r.operation} ${r.resource}${r.resource === 'cluster' ? '' : ` ${r.pattern === 'prefixed' ? `${r.name}*` : r.name}`}`;
}
