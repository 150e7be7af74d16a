import * as path from 'path';
import { Client, Pool } from 'pg';
import { migrateExchangeSchema } from '../../libs/agreement-exchange';
import { agreementDocumentHash, loadAgreementFile, type AgreementDocument, type AgreementEvent } from '../../libs/agreements';
import { publicKeyRing } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { repoRoot } from '../../libs/config/repoRoot';
import { loadContracts } from '../../libs/contracts/contractLoader';
import type { ContractField } from '../../libs/contracts/contractTypes';
import { migrate } from '../../libs/model';
import { PartnerStore, type StoreChange, type StoreValue } from '../../libs/partner-store';
import { ensureReconcileSchema, entityScope, RunStore, type RunScope } from '../../libs/reconcile';
import { confirmedAgreement } from '../../services/apply-consumer/__fixtures__/confirmedAgreement';
import { AgreementEventHandler } from '../../services/agreement-sync/agreementEventHandler';
import { AgreementStore } from '../../libs/agreement-exchange';
import { ScratchDatabase } from '../support/scratchDatabase';

/**
 * Both sides of the cand → qdnd agreement on the real clusters, without the pipeline: a provider
 * database (cand cluster, own model migrated by libs/model) and a receiver database (qdnd cluster) whose
 * partner store is written by libs/partner-store's own PartnerStore — the write path the apply consumer
 * uses, with the real table layout — from the provider's shared rows, as a converged pipeline leaves it.
 */
export const contracts = loadContracts();
export const AGREEMENT_FILE = path.join(repoRoot(), 'deploy/agreements/cand-to-qdnd.yaml');

export interface ReconcilePair {
  provider: ScratchDatabase;
  receiver: ScratchDatabase;
  /** Connections for the test's own reads and writes (TimeZone UTC). */
  src: Client;
  dst: Client;
  receiverPool: Pool;
  doc: AgreementDocument;
  scope: RunScope;
  runs: RunStore;
  partner: PartnerStore;
  /** Writes every shared row of the entity (all entities when omitted) into the partner store. */
  converge(entity?: string): Promise<void>;
  /** converge, and removes (through the partner store, with tombstones) every partner row the provider does not share. */
  resync(entity?: string): Promise<void>;
  /** Stores the agreement's confirmed history in the receiver's agreement store (as agreement-sync does). */
  storeHistory(): Promise<void>;
  close(): Promise<void>;
}

export async function loadDocument(): Promise<AgreementDocument> {
  return loadAgreementFile(AGREEMENT_FILE, { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
}

export function scopeOf(doc: AgreementDocument, entities?: readonly string[]): RunScope {
  return {
    agreementId: doc.id,
    agreementVersion: doc.version,
    documentHash: agreementDocumentHash(doc),
    provider: doc.parties.provider.ministry,
    receiver: doc.place.partnerStore.database,
    partnerSchema: doc.place.partnerStore.schema,
    entities: doc.data.entities.filter((s) => !entities || entities.includes(s.entity)).map((s) => entityScope(s, contracts.get(s.entity))),
  };
}

/** The canonical value (docs/agreements.md) of a column as the producer would publish it, in SQL. */
function canonicalSql(f: ContractField, type: string): string {
  const c = `"${f.name}"`;
  switch (f.kind) {
    case 'date':
      return `(${c} - DATE '1970-01-01')`;
    case 'timestamp':
      return `(extract(epoch FROM ${c}) * 1000000)::int8::float8`;
    case 'long':
    case 'double':
      return `${c}::float8`;
    case 'int':
    case 'boolean':
      return c;
    default:
      return type === 'bpchar' ? `CASE WHEN ${c} IS NULL THEN NULL ELSE concat(${c}) END` : `${c}::text`;
  }
}

/** Source positions handed out so far: every batch a test applies is newer than the last, as a live source's would be. */
let nextLsn = 0x1_0000_0000n;

/** The provider's shared rows of one entity, projected, as StoreChanges a converged consumer would have applied. */
export async function sharedChanges(src: Client, scope: RunScope, entity: string, keys?: readonly string[]): Promise<StoreChange[]> {
  const e = scope.entities.find((x) => x.entity === entity);
  if (!e) throw new Error(`${entity} is not shared`);
  const types = await src.query<{ attname: string; typname: string }>(
    `SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = $1::regclass AND a.attnum > 0`,
    [`thahs.${entity}`],
  );
  const typeOf = new Map(types.rows.map((r) => [r.attname, r.typname]));
  const where = e.share.whereSql(keys ? 2 : 1);
  const cols = e.fields.map((f) => `${canonicalSql(f, typeOf.get(f.name) ?? '')} AS "${f.name}"`).join(', ');
  const r = await src.query<Record<string, StoreValue>>(
    `SELECT ${cols} FROM thahs."${entity}" WHERE ${where.sql}${keys ? ' AND id = ANY($1::uuid[])' : ''} ORDER BY id`,
    keys ? [keys, ...where.params] : where.params,
  );
  const now = Date.now() * 1000;
  return r.rows.map((row, i) => ({
    entity,
    id: String(row.id),
    position: { lsn: (nextLsn += 0x100n), index: 0 },
    op: 'u' as const,
    eventId: `cand:test:${nextLsn}`,
    // Committed a moment before it is applied, as a change that has just travelled the pipeline.
    commitTsUs: now - 200_000 - (i % 50) * 10_000,
    agreementId: scope.agreementId,
    agreementVersion: scope.agreementVersion,
    signedBy: 'cand-c10-2025',
    row,
  }));
}

export async function applyChanges(partner: PartnerStore, pool: Pool, entity: string, changes: readonly StoreChange[], fields: readonly string[]): Promise<void> {
  const c = await pool.connect();
  try {
    await partner.init(c);
    await partner.prepare(c, entity, fields);
    for (let i = 0; i < changes.length; i += 500) await partner.apply(c, { changes: changes.slice(i, i + 500), deadLetters: [] });
  } finally {
    c.release();
  }
}

/** Stores a confirmed history through the agreement-sync service's own handler (verified, folded, kept with its keys). */
export async function storeConfirmedHistory(url: string, events: readonly AgreementEvent[], publicKeys: { keyId: string; party: string; publicKeyPem: string }[]): Promise<void> {
  await migrateExchangeSchema(url);
  // The handler reads the stored state through its own connection while the event's transaction is open.
  const pool = new Pool({ connectionString: url, max: 2 });
  const store = new AgreementStore(pool, 'test');
  const keys = publicKeyRing(publicKeys.map((k) => ({ keyId: k.keyId, party: k.party, publicKey: k.publicKeyPem })));
  const handler = new AgreementEventHandler(store, keys, (e) => (contracts.has(e) ? contracts.get(e) : undefined));
  const c = await pool.connect();
  try {
    for (const [i, event] of events.entries()) {
      await c.query('BEGIN');
      const h = await handler.handle(c, { topic: 'thahs.agreements', partition: 0, offset: String(i), value: Buffer.from(JSON.stringify(event)) });
      if (h.outcome !== 'stored') throw new Error(`history event ${i} was not stored: ${h.code} ${h.reason}`);
      await c.query('COMMIT');
      h.after();
    }
  } finally {
    c.release();
    await pool.end();
  }
}

export async function createPair(label: string): Promise<ReconcilePair> {
  const config = loadConfig();
  const provider = await ScratchDatabase.create(config.candPgUrl, `${label}_p`);
  const receiver = await ScratchDatabase.create(config.qdndPgUrl, `${label}_r`);
  await Promise.all([migrate(provider.url, 'cand'), migrate(receiver.url, 'qdnd')]);
  const src = new Client({ connectionString: provider.url, options: '-c TimeZone=UTC' });
  const dst = new Client({ connectionString: receiver.url, options: '-c TimeZone=UTC' });
  await Promise.all([src.connect(), dst.connect()]);
  const receiverPool = new Pool({ connectionString: receiver.url, max: 3 });
  await ensureReconcileSchema(receiverPool);
  const doc = await loadDocument();
  const scope = scopeOf(doc);
  const partner = new PartnerStore({
    schema: scope.partnerSchema,
    identity: { receiver: 'qdnd', provider: 'cand', agreementId: doc.id, consumerGroup: 'reconcile-test' },
    contract: (e) => contracts.get(e),
  });
  return {
    provider,
    receiver,
    src,
    dst,
    receiverPool,
    doc,
    scope,
    runs: new RunStore(receiverPool),
    partner,
    async converge(entity) {
      for (const e of scope.entities) {
        if (entity !== undefined && e.entity !== entity) continue;
        const changes = await sharedChanges(src, scope, e.entity);
        await applyChanges(
          partner,
          receiverPool,
          e.entity,
          changes,
          e.fields.map((f) => f.name),
        );
      }
    },
    async resync(entity) {
      for (const e of scope.entities) {
        if (entity !== undefined && e.entity !== entity) continue;
        const changes = await sharedChanges(src, scope, e.entity);
        const shared = new Set(changes.map((c) => c.id));
        const held = await dst.query<{ id: string }>(`SELECT id::text AS id FROM ${scope.partnerSchema}."${e.entity}"`).catch(() => ({ rows: [] as { id: string }[] }));
        const removals: StoreChange[] = held.rows
          .filter((r) => !shared.has(r.id))
          .map((r) => ({
            entity: e.entity,
            id: r.id,
            position: { lsn: (nextLsn += 0x100n), index: 0 },
            op: 'd' as const,
            eventId: `cand:test:${nextLsn}`,
            commitTsUs: Date.now() * 1000 - 200_000,
            agreementId: scope.agreementId,
            agreementVersion: scope.agreementVersion,
            signedBy: 'cand-c10-2025',
            row: null,
          }));
        await applyChanges(
          partner,
          receiverPool,
          e.entity,
          [...changes, ...removals],
          e.fields.map((f) => f.name),
        );
      }
    },
    async storeHistory() {
      const h = confirmedAgreement(doc);
      await storeConfirmedHistory(receiver.url, h.events, h.publicKeys);
    },
    async close() {
      await Promise.all([src.end(), dst.end(), receiverPool.end()]);
      await Promise.all([provider.drop(), receiver.drop()]);
    },
  };
}
