import type { ClientBase } from 'pg';
import { ident, OWNER_ROLE, SERVICE_ROLES, type ServiceRoleKind } from './serviceRoles';

/** Role attributes beyond LOGIN: the producer reads the WAL; the collector reads the server's settings and log folder. */
const ATTRIBUTES: Record<ServiceRoleKind, string> = {
  producer: 'LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE',
  apply: 'LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE',
  operator: 'LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE',
  audit: 'LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE',
};

/** The roles as a DBA creates them by hand (no password: set each with \password afterwards). */
export function roleCreationStatements(): string[] {
  return [
    ...(Object.keys(SERVICE_ROLES) as ServiceRoleKind[]).map((k) => `CREATE ROLE ${ident(SERVICE_ROLES[k])} WITH ${ATTRIBUTES[k]}`),
    `GRANT pg_monitor TO ${ident(SERVICE_ROLES.audit)}`,
  ];
}

/**
 * Creates the service roles of a cluster, or brings an existing one to its attributes and password
 * (run as a superuser). Passwords go to the server as literals escaped by the client and are stored
 * as SCRAM verifiers (password_encryption); they are never part of an error message of ours.
 */
export async function ensureServiceRoles(superuser: ClientBase, passwords: Record<ServiceRoleKind, string>): Promise<void> {
  for (const kind of Object.keys(SERVICE_ROLES) as ServiceRoleKind[]) {
    const role = SERVICE_ROLES[kind];
    const exists = (await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount! > 0;
    const password = superuser.escapeLiteral(passwords[kind]);
    await superuser.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${ident(role)} WITH ${ATTRIBUTES[kind]} PASSWORD ${password}`);
  }
  await superuser.query(`GRANT pg_monitor TO ${ident(SERVICE_ROLES.audit)}`);
  // Membership in the owner or in each other would pass rights on: refuse any that was granted by hand.
  const r = await superuser.query<{ member: string; role: string }>(
    `SELECT m.rolname AS member, g.rolname AS role FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member JOIN pg_roles g ON g.oid = a.roleid
      WHERE m.rolname = ANY($1) AND g.rolname <> 'pg_monitor'`,
    [Object.values(SERVICE_ROLES)],
  );
  if (r.rows.length > 0)
    throw new Error(
      `service roles are members of other roles: ${r.rows.map((x) => `${x.member} in ${x.role}`).join(', ')} (revoke them; ${OWNER_ROLE} must not be granted to a service)`,
    );
}
