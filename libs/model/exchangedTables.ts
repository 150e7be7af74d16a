/**
 * The tables each ministry publishes, parents before children: a snapshot or a replay that applies
 * them in this order never meets a row whose parent has not arrived yet.
 */
export const EXCHANGED_TABLES = [
  'org_unit',
  'court',
  'person',
  'legal_person',
  'judgment',
  'conviction',
  'conviction_offence',
  'execution_decision',
  'penalty',
  'judicial_measure',
  'monetary_obligation',
  'enforcement_case',
  'custody_placement',
  'enforcement_event',
  'community_supervision',
  'legal_person_enforcement',
] as const;

export type ExchangedTable = (typeof EXCHANGED_TABLES)[number];

/** Schema of the ministry's own tables in its database (partner data lives in partner_<ministry>). */
export const OWN_SCHEMA = 'thahs';
/** Schema of bookkeeping that is not exchanged: migrations, the database's ministry, seed runs. */
export const META_SCHEMA = 'thahs_meta';

export function isExchangedTable(name: string): name is ExchangedTable {
  return (EXCHANGED_TABLES as readonly string[]).includes(name);
}
