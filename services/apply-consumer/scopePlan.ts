import { canonicalJson, checkFilter, compileFilterSql, type AgreementDocument, type AgreementState, type CheckedFilter, type EntityShare } from '../../libs/agreements';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { FIRST_CONDITION_PARAM, METADATA_COLUMNS, type RowCondition } from '../../libs/partner-store';

/** Whether a version sends data to this receiver: its partner store is in the receiver's database and the receiver is a consumer. */
export function receivesUnder(doc: AgreementDocument, receiver: Ministry): boolean {
  return doc.place.partnerStore.database === receiver && doc.parties.consumers.some((c) => c.ministry === receiver);
}

/** What must go from one partner table for it to fit the scope in force (Art. 13: narrowing removes what falls outside). */
export type EntityScopePlan =
  /** The version in force no longer shares the entity: every row of the agreement goes. */
  | { entity: string; kind: 'drop_all' }
  | {
      entity: string;
      kind: 'narrow';
      /** Rows to remove (not provably inside the filter in force); null when the version has no filter. */
      outside: RowCondition | null;
      /** Columns held that the version no longer shares: set to null, then dropped. */
      clearColumns: string[];
    };

function filterFields(f: CheckedFilter, out = new Set<string>()): Set<string> {
  switch (f.kind) {
    case 'and':
    case 'or':
      for (const i of f.items) filterFields(i, out);
      return out;
    case 'not':
      return filterFields(f.item, out);
    default:
      out.add(f.field.name);
      return out;
  }
}

/**
 * Plans the purge of one partner table for the version in force (`scope`, or null when nothing may be
 * held by this receiver any more), given the table's columns now and every confirmed version of the
 * agreement. A row stays only if it can be proven inside the filter in force:
 * - it was written under a version whose filter for the entity is the same (it passed that very
 *   filter, evaluated on the whole record, when it was applied), or
 * - every field the filter reads is a column of the table and was shared by the version the row was
 *   written under, and the filter, compiled to SQL by libs/agreements, holds on the stored values.
 * Anything else — above all rows lacking a field the filter reads, whose real value the receiver never
 * had — cannot be shown to be inside and is removed.
 */
export function planEntityScope(
  entity: string,
  columns: ReadonlySet<string>,
  scope: AgreementDocument | null,
  state: AgreementState,
  receiver: Ministry,
  contracts: ContractRegistry,
): EntityScopePlan {
  const share = scope && receivesUnder(scope, receiver) ? scope.data.entities.find((e) => e.entity === entity) : undefined;
  if (!share || !contracts.has(entity)) return { entity, kind: 'drop_all' };
  const contract = contracts.get(entity);
  const contractFields = new Set(contract.fields.map((f) => f.name));
  const meta = new Set<string>(METADATA_COLUMNS);
  const clearColumns = [...columns].filter((c) => c !== 'id' && !meta.has(c) && contractFields.has(c) && !share.fields.includes(c)).sort();
  if (share.filter === undefined) return { entity, kind: 'narrow', outside: null, clearColumns };

  const wanted = canonicalJson(share.filter);
  const reads = filterFields(checkFilter(share.filter, contract));
  const earlier: { version: number; share: EntityShare }[] = [];
  for (const v of state.versions) {
    if (v.status !== 'confirmed' || !receivesUnder(v.document, receiver)) continue;
    const s = v.document.data.entities.find((e) => e.entity === entity);
    if (s) earlier.push({ version: v.version, share: s });
  }
  const sameFilter = earlier.filter((e) => e.share.filter !== undefined && canonicalJson(e.share.filter) === wanted).map((e) => e.version);
  const readable = [...reads].every((f) => columns.has(f));
  if (!readable) {
    return { entity, kind: 'narrow', outside: { sql: `NOT (p._agreement_version = ANY($${FIRST_CONDITION_PARAM}::int[]))`, params: [sameFilter] }, clearColumns };
  }
  const projecting = earlier.filter((e) => [...reads].every((f) => e.share.fields.includes(f))).map((e) => e.version);
  const filter = compileFilterSql(share.filter, contract, FIRST_CONDITION_PARAM + 2, { tableAlias: 'p' });
  return {
    entity,
    kind: 'narrow',
    outside: {
      sql: `NOT (p._agreement_version = ANY($${FIRST_CONDITION_PARAM}::int[]) OR (p._agreement_version = ANY($${FIRST_CONDITION_PARAM + 1}::int[]) AND ${filter.sql}))`,
      params: [sameFilter, projecting, ...filter.params],
    },
    clearColumns,
  };
}
