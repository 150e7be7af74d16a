import { STATE_SCHEMA } from '../partner-store';

/** Schemas of partner stores (`partner_<provider>[_<suffix>]`), never the bookkeeping schema. */
export function isPartnerSchema(schema: string): boolean {
  return /^partner_[a-z0-9_]+$/.test(schema) && schema !== STATE_SCHEMA;
}

/** The same rule for a catalogue query, on a column holding schema names. */
export function partnerSchemaSql(column: string): string {
  return `(${column} ~ '^partner_[a-z0-9_]+$' AND ${column} <> '${STATE_SCHEMA}')`;
}
