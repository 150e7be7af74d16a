import type { Ministry } from '../contracts/contractTypes';
import { PartnerStoreError } from './partnerStoreError';

/** Schema holding the logs and dead letters of every partner store in a receiver's database. */
export const STATE_SCHEMA = 'partner_state';
/** Per partner schema: the newest delete seen per key, so an older replayed event never resurrects a row. */
export const TOMBSTONE_TABLE = '_tombstone';

const PLAIN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Identifiers come from the contracts and the agreements, never from data; only plain lower-case names
 * are accepted, so double quotes are all the escaping they need.
 */
export function quoteIdent(name: string): string {
  if (!PLAIN.test(name)) throw new PartnerStoreError(`"${name}" is not a plain lower-case SQL identifier`);
  return `"${name}"`;
}

/**
 * The schema received rows may be written to: `partner_<provider>` or `partner_<provider>_<suffix>`
 * (as the agreement validator requires). Anything else — above all the receiver's own `thahs` schema
 * (Art. 3.2) or the bookkeeping schema — is refused before any SQL runs.
 */
export function checkPartnerSchema(schema: string, provider: Ministry): string {
  const ok = new RegExp(`^partner_${provider}(_[a-z0-9][a-z0-9_]{0,40})?$`).test(schema);
  if (!ok || schema === STATE_SCHEMA) {
    throw new PartnerStoreError(`schema must be partner_${provider} or partner_${provider}_<suffix> for data from ${provider}`, schema);
  }
  return schema;
}
