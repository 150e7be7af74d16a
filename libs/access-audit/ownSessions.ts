/**
 * A session the access-audit collector treats as the project's own: its reads are either recorded by the
 * tool itself (recordAccess) or are the apply consumer's guarded writes, which pgaudit logs because they
 * read the rows they replace. Both the login role and the application name must match: a client can
 * choose its application name freely, but not the role it logs in as.
 */
export interface OwnSession {
  role: string;
  /** The application name, or its beginning when `prefix` (written `name*`). */
  application: string;
  prefix: boolean;
}

/** Reads `role:application[,role:application...]`, where the application may end in `*` (any name it starts). */
export function parseOwnSessions(raw: string): OwnSession[] {
  const out: OwnSession[] = [];
  for (const entry of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    if (colon <= 0 || colon === entry.length - 1) throw new Error(`"${entry}" is not role:application`);
    const role = entry.slice(0, colon);
    let application = entry.slice(colon + 1);
    const prefix = application.endsWith('*');
    if (prefix) application = application.slice(0, -1);
    if (application.includes('*')) throw new Error(`"${entry}": * may only end the application name`);
    if (prefix && application === '') throw new Error(`"${entry}": name at least the start of the application (a bare * would hide every session of ${role})`);
    out.push({ role, application, prefix });
  }
  return out;
}

export function isOwnSession(own: readonly OwnSession[], role: string, application: string): boolean {
  return own.some((o) => o.role === role && (o.prefix ? application.startsWith(o.application) : application === o.application));
}

export function formatOwnSessions(own: readonly OwnSession[]): string {
  return own.map((o) => `${o.role}:${o.application}${o.prefix ? '*' : ''}`).join(',');
}
