import { PartnerStoreError } from './partnerStoreError';
import { quoteIdent, STATE_SCHEMA } from './sqlNames';
import type { Queryable } from './stateSchema';

const PURPOSE = /^[A-Z][A-Z0-9_]*$/;

/**
 * Appends one line to the exploitation (access) log of the partner store (Art. 5.4, and the answer to a
 * provider's usage-report request, Art. 14.1(b)): who read which partner data and for which of the
 * agreement's purpose codes. The project's own tools call it for every read of partner data they make
 * (`source` 'tool'). Reads by any other database client reach the same table through pgaudit: the
 * access-audit collector (libs/access-audit) appends them with `source` 'pgaudit', the login role, the
 * client address and the purpose UNDECLARED_DIRECT_READ. A tool that calls this function must connect
 * under a session the collector treats as the project's own (THAHS_ACCESS_AUDIT_OWN_SESSIONS), or its
 * reads are logged twice.
 */
export async function recordAccess(db: Queryable, who: string, what: string, purpose: string): Promise<void> {
  if (who.trim() === '') throw new PartnerStoreError('access log: "who" is empty');
  if (what.trim() === '') throw new PartnerStoreError('access log: "what" is empty');
  if (!PURPOSE.test(purpose)) throw new PartnerStoreError(`access log: purpose "${purpose}" is not an UPPER_SNAKE purpose code of the agreement`);
  await db.query(`INSERT INTO ${quoteIdent(STATE_SCHEMA)}.access_log (who, what, purpose) VALUES ($1, $2, $3)`, [who, what, purpose]);
}
