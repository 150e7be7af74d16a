import { quoteIdent, type AgreementDocument } from '../agreements';
import type { SqlClient } from './sqlClient';
import type { AccessLogFigures, PartnerStoreFigures, UsageReport } from './usageReport';

/** Where the apply consumer records who read received data, and why (Art. 5 exploitation log). */
export const ACCESS_LOG_TABLE = { schema: 'partner_state', table: 'access_log' } as const;

/** Column names the access log may use for each figure, in order of preference. */
const TIME_COLUMNS = ['accessed_at', 'at', 'occurred_at', 'created_at'];
const AGREEMENT_COLUMNS = ['agreement_id'];
const PURPOSE_COLUMNS = ['purpose_code', 'purpose'];
/** `what` is the libs/partner-store access log's name for the partner data read. */
const ENTITY_COLUMNS = ['entity', 'what'];

/**
 * The consumer's answer to a usage-report request (Art. 14.1(b)), from its own database: accesses to
 * the received data in the period (partner_state.access_log) and the rows its partner store holds per
 * shared entity. A source that does not exist yet is reported as unavailable, with the reason.
 */
export async function buildUsageReport(db: SqlClient, doc: AgreementDocument, period: { from: string; to: string }, now: Date): Promise<UsageReport> {
  return {
    periodFrom: period.from,
    periodTo: period.to,
    generatedAt: now.toISOString(),
    accessLog: await accessLogFigures(db, doc, period),
    partnerStore: await partnerStoreFigures(db, doc),
  };
}

async function columnsOf(db: SqlClient, schema: string, table: string): Promise<string[] | null> {
  const exists = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`${quoteIdent(schema)}.${quoteIdent(table)}`]);
  if (!exists.rows[0]?.present) return null;
  const r = await db.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position', [
    schema,
    table,
  ]);
  return r.rows.map((row) => row.column_name);
}

async function accessLogFigures(db: SqlClient, doc: AgreementDocument, period: { from: string; to: string }): Promise<AccessLogFigures> {
  const source = `${ACCESS_LOG_TABLE.schema}.${ACCESS_LOG_TABLE.table}`;
  const empty = { source, available: false, total: null, byPurpose: [], byEntity: [] };
  const columns = await columnsOf(db, ACCESS_LOG_TABLE.schema, ACCESS_LOG_TABLE.table);
  if (columns === null) {
    return { ...empty, note: `${source} does not exist in this database: the access log is not recorded yet, so no access figures can be given` };
  }
  const pick = (names: string[]): string | undefined => names.find((n) => columns.includes(n));
  const time = pick(TIME_COLUMNS);
  if (!time) return { ...empty, note: `${source} has no time column (${TIME_COLUMNS.join(', ')}); accesses in the period cannot be counted` };
  const agreement = pick(AGREEMENT_COLUMNS);
  const purpose = pick(PURPOSE_COLUMNS);
  const entity = pick(ENTITY_COLUMNS);
  const table = `${quoteIdent(ACCESS_LOG_TABLE.schema)}.${quoteIdent(ACCESS_LOG_TABLE.table)}`;
  const params: unknown[] = [period.from, period.to];
  let where = `${quoteIdent(time)} >= $1::timestamptz AND ${quoteIdent(time)} < $2::timestamptz`;
  const purposeCodes = doc.conditions.purposes.map((p) => p.code);
  if (agreement) {
    params.push(doc.id);
    where += ` AND ${quoteIdent(agreement)} = $3`;
  } else if (purpose) {
    // Without an agreement column, the agreement's own purpose codes are what ties an access to it.
    params.push(purposeCodes);
    where += ` AND ${quoteIdent(purpose)} = ANY($3::text[])`;
  }
  const total = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE ${where}`, params);
  const grouped = async (column: string | undefined): Promise<{ name: string; count: number }[]> => {
    if (!column) return [];
    const r = await db.query<{ name: string | null; n: string }>(
      `SELECT ${quoteIdent(column)}::text AS name, count(*)::text AS n FROM ${table} WHERE ${where} GROUP BY 1 ORDER BY 1`,
      params,
    );
    return r.rows.map((row) => ({ name: row.name ?? '(none)', count: Number(row.n) }));
  };
  const missing = [
    agreement
      ? undefined
      : purpose
        ? `no agreement_id column: counted the accesses for this agreement's purposes (${purposeCodes.join(', ')}), which other agreements may share`
        : 'no agreement_id column: the figures cover every agreement',
    purpose ? undefined : 'no purpose column: no breakdown by purpose',
    entity ? undefined : 'no entity column: no breakdown by entity',
  ].filter((x): x is string => x !== undefined);
  return { source, available: true, note: missing.join('; '), total: Number(total.rows[0].n), byPurpose: await grouped(purpose), byEntity: await grouped(entity) };
}

async function partnerStoreFigures(db: SqlClient, doc: AgreementDocument): Promise<PartnerStoreFigures> {
  const { database, schema } = doc.place.partnerStore;
  const entities: PartnerStoreFigures['entities'] = [];
  for (const share of doc.data.entities) {
    const columns = await columnsOf(db, schema, share.entity);
    if (columns === null) {
      entities.push({ entity: share.entity, rows: null, note: `${schema}.${share.entity} does not exist in this database: nothing received yet` });
      continue;
    }
    const r = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteIdent(schema)}.${quoteIdent(share.entity)}`);
    entities.push({ entity: share.entity, rows: Number(r.rows[0].n), note: '' });
  }
  return { store: `${database}.${schema}`, entities };
}
