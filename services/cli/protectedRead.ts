import type { KeyObject } from 'crypto';
import { latestConfirmedVersion, type AgreementState } from '../../libs/agreements';
import { sealedFields } from '../../libs/agreements/protectedFields';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import { envelopeInfo, FieldEncryptionError, FieldOpener } from '../../libs/field-encryption';
import { checkPartnerSchema, quoteIdent, recordAccess } from '../../libs/partner-store';
import type { Queryable } from '../../libs/partner-store/stateSchema';

/** A protected read refused before anything was read (nothing is logged then: nothing was shown). */
export class ProtectedReadError extends Error {
  constructor(
    message: string,
    readonly context: { agreementId?: string; entity?: string; field?: string } = {},
  ) {
    super(message);
    this.name = 'ProtectedReadError';
  }
}

export interface ProtectedReadRequest {
  /** The receiver's database (partner store and access log). */
  db: Queryable;
  /** The receiver's copy of the agreement's signed history. */
  state: AgreementState;
  contracts: ContractRegistry;
  entity: string;
  /** The row's key (uuid). */
  rowKey: string;
  /** Sealed fields to open; all the agreement seals of the entity when empty or absent. */
  fields?: readonly string[];
  /** The receiver's private encryption keys by id (every one it kept opens what was sealed to it). */
  privateKeys: ReadonlyMap<string, KeyObject>;
  /** Who reads, and why: an agreement purpose code and the reason in words, both in the access log. */
  who: string;
  purpose: string;
  reason: string;
}

export interface ProtectedReadResult {
  agreementId: string;
  partnerTable: string;
  entity: string;
  id: string;
  /** False when the partner store holds no row of that key. */
  found: boolean;
  /** Each requested field's plaintext (null when the row holds none). */
  values: Record<string, string | null>;
  /** The receiver keys the values were sealed to. */
  keyIds: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The receiver's only way to a sealed (tier-3) value: checks that the agreement seals the fields and
 * names the purpose, appends the read to the access log (Art. 5.4) before reading anything — a read
 * that cannot be logged is not made — then opens the row's envelopes with the receiver's private keys.
 * The envelopes are bound to agreement, entity, field and row, so a value copied elsewhere in the table
 * does not open.
 */
export async function readProtectedFields(r: ProtectedReadRequest): Promise<ProtectedReadResult> {
  const agreementId = r.state.agreementId;
  const ctx = { agreementId, entity: r.entity };
  const latest = latestConfirmedVersion(r.state);
  if (!latest) throw new ProtectedReadError(`agreement ${agreementId} has no confirmed version`, ctx);
  if (!r.contracts.has(r.entity)) throw new ProtectedReadError(`no contract for entity ${r.entity}`, ctx);
  const contract = r.contracts.get(r.entity);
  const sealed = new Set<string>();
  for (const v of r.state.versions) if (v.status === 'confirmed') for (const f of sealedFields(v.document, r.entity, contract)) sealed.add(f);
  if (sealed.size === 0) throw new ProtectedReadError(`agreement ${agreementId} seals no field of ${r.entity}`, ctx);
  const fields = r.fields && r.fields.length > 0 ? [...new Set(r.fields)] : contract.fields.filter((f) => sealed.has(f.name)).map((f) => f.name);
  for (const f of fields) {
    if (!sealed.has(f)) throw new ProtectedReadError(`${f} is not a field agreement ${agreementId} seals of ${r.entity} (sealed: ${[...sealed].join(', ')})`, { ...ctx, field: f });
  }
  const doc = latest.document;
  const purposes = doc.conditions.purposes.map((p) => p.code);
  if (!purposes.includes(r.purpose)) throw new ProtectedReadError(`purpose ${r.purpose} is not one of agreement ${agreementId}'s: ${purposes.join(', ')}`, ctx);
  if (r.reason.trim() === '') throw new ProtectedReadError('a reason is required: it is recorded in the access log with the read', ctx);
  const id = r.rowKey.toLowerCase();
  if (!UUID.test(id)) throw new ProtectedReadError('the row key must be a uuid', ctx);
  const schema = checkPartnerSchema(doc.place.partnerStore.schema, doc.parties.provider.ministry);
  const table = `${schema}.${r.entity}`;

  await recordAccess(r.db, r.who, `${table} ${id} ${fields.join(', ')}: sealed fields opened with the receiver's key (${r.reason.trim()})`, r.purpose);

  const cols = fields.map((f) => quoteIdent(f)).join(', ');
  const res = await r.db.query(`SELECT ${cols} FROM ${quoteIdent(schema)}.${quoteIdent(r.entity)} WHERE "id" = $1`, [id]);
  const row = res.rows[0] as Record<string, Buffer | null> | undefined;
  const values: Record<string, string | null> = {};
  const keyIds = new Set<string>();
  if (row) {
    const opener = new FieldOpener(r.privateKeys);
    for (const f of fields) {
      const v = row[f];
      if (v === null || v === undefined) {
        values[f] = null;
        continue;
      }
      if (!Buffer.isBuffer(v)) throw new FieldEncryptionError(`${table}.${f} is not a sealed column`, { ...ctx, field: f });
      keyIds.add(envelopeInfo(v).keyId);
      values[f] = opener.open(v, { entity: r.entity, field: f, rowKey: id }, agreementId).toString('utf8');
    }
  }
  return { agreementId, partnerTable: table, entity: r.entity, id, found: row !== undefined, values, keyIds: [...keyIds] };
}
