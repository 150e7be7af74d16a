import type { Ministry } from '../contracts/contractTypes';

/**
 * The database roles of a ministry's PostgreSQL in the secure profile (and in a deployment), one per
 * kind of client, so that no service holds more than its job needs (Art. 9):
 *
 * - `thahs` — owner of the database and of every schema and table: migrations and the admin step that
 *   prepares the partner store (prepareMinistryDatabase). Never used by a running service of the pipeline.
 * - `thahs_producer` — REPLICATION; reads its ministry's own `thahs` tables, writes its state in `thahs_cdc`,
 *   reads the agreements. Nothing of the partner store.
 * - `thahs_apply` — writes its partner schemas (`partner_<provider>`; it may create and alter the entity
 *   tables there, which it then owns), appends to the update and access logs (INSERT, SELECT), keeps
 *   the dead letters; reads the agreements. It owns none of the log tables, so it cannot alter, truncate
 *   or drop them or their append-only triggers, and holds no UPDATE, DELETE or TRUNCATE on them.
 * - `thahs_operator` — operators' tools: reads own and partner data (the tools record each read in the
 *   access log), appends to the access log, files re-publication and re-snapshot requests, resolves dead
 *   letters, writes the reconciler's runs.
 * - `thahs_audit` — auditors and the access-audit collector: reads the logs and the dead letters' metadata
 *   (not their raw bytes, which are partner data), the agreements; reads the server's csvlog over SQL and
 *   appends what pgaudit found to the access log.
 * - `thahs_auditor` (exists already) — pgaudit's object-audit role: NOLOGIN, granted to nobody.
 *
 * The audit exemption (THAHS_ACCESS_AUDIT_OWN_SESSIONS) names `thahs_apply`: only the apply consumer
 * holds that role's password, so a client choosing the name `thahs-apply-consumer-…` under any other
 * login is still audited.
 */
export const OWNER_ROLE = 'thahs';
export const SERVICE_ROLES = {
  producer: 'thahs_producer',
  apply: 'thahs_apply',
  operator: 'thahs_operator',
  audit: 'thahs_audit',
} as const;
export type ServiceRoleKind = keyof typeof SERVICE_ROLES;
export const SERVICE_ROLE_NAMES: readonly string[] = Object.values(SERVICE_ROLES);

/** The partner schema a receiver's database holds for a provider (the agreements' element 2 names it the same way). */
export function partnerSchemaOf(provider: Ministry): string {
  return `partner_${provider}`;
}

export function otherMinistry(m: Ministry): Ministry {
  return m === 'cand' ? 'qdnd' : 'cand';
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
export function ident(name: string): string {
  if (!IDENT.test(name)) throw new RangeError(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}
