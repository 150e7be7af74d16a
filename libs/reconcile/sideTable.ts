import type { CompiledEntityShare } from '../agreements';
import type { ContractField, EntityContract } from '../contracts/contractTypes';
import { quoteIdent } from '../partner-store';
import { canonicalText, fieldHashSql, rowHashSql, type CanonicalField, type ColumnType } from './canonicalHash';
import type { KeyRange } from './keyRanges';
import { ReconcileError } from './reconcileError';
import type { SideSession } from './sideSession';

/** Alias of the compared table in every query (the compiled filter is qualified with it). */
export const ALIAS = 't';

/** Positional SQL parameters collected while a statement is written. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }

  /** Appends the filter's own parameters and returns its SQL. */
  filter(share: CompiledEntityShare): string {
    const f = share.whereSql(this.values.length + 1, { tableAlias: ALIAS });
    this.values.push(...f.params);
    return f.sql;
  }
}

/**
 * One side of an entity's comparison: the provider's `thahs.<entity>` filtered by the agreement, or the
 * receiver's `partner_<provider>.<entity>` as it is. It writes the canonical hashes over the columns the
 * table really has (a partner table lacking an agreed column hashes it as NULL there) and the WHERE
 * clauses of every query the engine makes.
 */
export class SideTable {
  readonly rowHash: string;
  readonly fieldHashes: readonly string[];
  readonly hasReportingUnit: boolean;

  private constructor(
    readonly side: 'provider' | 'partner',
    readonly schema: string,
    readonly entity: string,
    /** Null when the table does not exist (a partner table before its first row). */
    readonly oid: number | null,
    readonly fields: readonly CanonicalField[],
    private readonly share: CompiledEntityShare | null,
    /** Pages of the table as the snapshot opened (chunks beyond the last reach any page added since). */
    readonly pages: number,
  ) {
    this.rowHash = rowHashSql(fields);
    this.fieldHashes = fields.map(fieldHashSql);
    this.hasReportingUnit = fields.some((f) => f.name === 'reporting_unit_id' && f.text !== 'NULL::text');
  }

  /**
   * Reads the table's columns from the catalog and checks each agreed field against the contract kind.
   * `share` is the provider's filter; null for the partner store, which is compared whole.
   */
  static async load(session: SideSession, schema: string, contract: EntityContract, agreed: readonly ContractField[], share: CompiledEntityShare | null): Promise<SideTable> {
    const side = session.label;
    const found = await session.query<{ oid: number | null; pages: string | null }>(
      `SELECT c.oid::int AS oid, (pg_relation_size(c.oid) / current_setting('block_size')::int)::text AS pages
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
      [schema, contract.entity],
    );
    const oid = found[0]?.oid ?? null;
    if (oid === null && side === 'provider') throw new ReconcileError(`table ${schema}.${contract.entity} does not exist`, { entity: contract.entity, side });
    const columns = new Map<string, ColumnType>();
    if (oid !== null) {
      const cols = await session.query<{ name: string; type: string; is_enum: boolean }>(
        `SELECT a.attname AS name, COALESCE(bt.typname, t.typname) AS type, COALESCE(bt.typtype, t.typtype) = 'e' AS is_enum
           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
          WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped`,
        [oid],
      );
      for (const c of cols) columns.set(c.name, { type: c.type, isEnum: c.is_enum });
    }
    const fields = agreed.map((f) => {
      const col = columns.get(f.name) ?? null;
      if (col === null && side === 'provider')
        throw new ReconcileError(`the provider's table has no column for the agreed field`, { entity: contract.entity, field: f.name, side });
      try {
        return canonicalText(f, col, `${ALIAS}.${quoteIdent(f.name)}`);
      } catch (err) {
        if (err instanceof ReconcileError) throw err.within({ entity: contract.entity, side });
        throw err;
      }
    });
    if (oid !== null && !columns.has('id')) throw new ReconcileError('the table has no id column', { entity: contract.entity, side });
    return new SideTable(side, schema, contract.entity, oid, fields, share, Number(found[0]?.pages ?? 0));
  }

  get exists(): boolean {
    return this.oid !== null;
  }

  get table(): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(this.entity)} ${ALIAS}`;
  }

  get fieldNames(): string[] {
    return this.fields.map((f) => f.name);
  }

  /** The row filter (provider) or TRUE (partner), with its parameters appended to `p`. */
  where(p: Params): string {
    return this.share === null ? 'TRUE' : p.filter(this.share);
  }

  /** `id` inside the range. */
  range(p: Params, r: KeyRange): string {
    const parts: string[] = [];
    if (r.lo !== null) parts.push(`${ALIAS}."id" >= ${p.add(r.lo, 'uuid')}`);
    if (r.hi !== null) parts.push(`${ALIAS}."id" < ${p.add(r.hi, 'uuid')}`);
    return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
  }
}

/** A run of heap pages, scanned by a TID range scan: [firstPage, endPage), endPage null for "to the end". */
export interface PageChunk {
  firstPage: number;
  endPage: number | null;
}

/**
 * Cuts a table of `pages` pages into about `chunks` runs of pages. The last run is open-ended, so the
 * chunks cover every page the snapshot can see, whatever the table's size when it is read.
 */
export function pageChunks(pages: number, chunks: number): PageChunk[] {
  const n = Math.max(1, Math.min(chunks, pages));
  const size = Math.max(1, Math.ceil(pages / n));
  const out: PageChunk[] = [];
  for (let first = 0; first < pages; first += size) out.push({ firstPage: first, endPage: first + size >= pages ? null : first + size });
  if (out.length === 0) out.push({ firstPage: 0, endPage: null });
  return out;
}

export function chunkCondition(p: Params, c: PageChunk): string {
  const lo = c.firstPage === 0 ? null : `${ALIAS}.ctid >= ${p.add(`(${c.firstPage},0)`, 'tid')}`;
  const hi = c.endPage === null ? null : `${ALIAS}.ctid < ${p.add(`(${c.endPage},0)`, 'tid')}`;
  return [lo, hi].filter((x): x is string => x !== null).join(' AND ') || 'TRUE';
}
