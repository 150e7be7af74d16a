import { canonicalJson, compileEntityShare, sha256Hex, type CompiledEntityShare, type EntityShare } from '../agreements';
import type { ContractField, EntityContract } from '../contracts/contractTypes';
import { tableFields } from '../partner-store';
import { HASH_VERSION } from './canonicalHash';
import { EntityComparison, type CompareOptions, type CompareProgress, type EntityOutcome } from './entityComparison';
import { ReconcileError } from './reconcileError';
import type { RunAgreement, RunMode, RunStore, StoredBaseline, StoredRun } from './runStore';
import { sameIdentity, SideSession } from './sideSession';
import { SideTable } from './sideTable';

/** One entity of the agreement version in force, ready to compare. */
export interface EntityScope {
  entity: string;
  contract: EntityContract;
  share: CompiledEntityShare;
  /** Agreed fields in contract order, the key first (the partner table's order). */
  fields: readonly ContractField[];
  /** Fingerprint of fields and filter: an incremental run needs a baseline under the same share. */
  shareHash: string;
}

/** What a run compares: one agreement version, its parties' databases, its shared entities. */
export interface RunScope extends RunAgreement {
  entities: readonly EntityScope[];
}

export function entityScope(share: EntityShare, contract: EntityContract): EntityScope {
  const compiled = compileEntityShare(share, contract);
  const fields = tableFields(contract, compiled.fields);
  const shareHash = sha256Hex(canonicalJson({ entity: share.entity, fields: fields.map((f) => f.name), filter: share.filter ?? null }));
  return { entity: share.entity, contract, share: compiled, fields, shareHash };
}

export interface RunRequest {
  scope: RunScope;
  mode: RunMode;
  startedBy: string;
  providerUrl: string;
  receiverUrl: string;
  options: CompareOptions;
  /** Connections per side reading the run's snapshot. */
  workers: number;
  /** For mode 'recheck': the stored run whose differing keys are checked again. */
  recheck?: { runId: string; keys: ReadonlyMap<string, readonly string[]> };
  onProgress?: (p: CompareProgress) => void;
  /** Called with each entity's outcome as soon as it is stored. */
  onEntity?: (o: EntityOutcome) => void;
}

/**
 * A reconciliation run: both databases read at one snapshot each for the whole run (the provider's WAL
 * position recorded at its start), each entity compared and stored as it finishes, the run completed
 * as clean, with differences, or failed (with the error) — a failed run is never a baseline.
 */
export async function runReconciliation(req: RunRequest, store: RunStore): Promise<StoredRun> {
  const { scope } = req;
  const started = Date.now();
  const { entities, ...agreement } = scope;
  const runId = await store.start({
    ...agreement,
    mode: req.mode,
    entities: entities.map((e) => e.entity),
    startedBy: req.startedBy,
    hashVersion: HASH_VERSION,
    options: { ...req.options, workers: req.workers },
    recheckedRunId: req.recheck?.runId ?? null,
  });
  let provider: SideSession | null = null;
  let partner: SideSession | null = null;
  let differences = 0;
  try {
    [provider, partner] = await Promise.all([SideSession.open(req.providerUrl, 'provider', req.workers), SideSession.open(req.receiverUrl, 'partner', req.workers)]);
    // Read after the provider's snapshot was taken: every change that snapshot sees committed before it.
    const lsn = await provider.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    await store.positions(runId, {
      sourceLsn: lsn[0].lsn,
      providerSnapshot: provider.snapshot,
      receiverSnapshot: partner.snapshot,
      providerIdentity: provider.identity,
      receiverIdentity: partner.identity,
    });
    for (const e of scope.entities) {
      const t0 = new Date();
      const [pt, rt] = await Promise.all([
        SideTable.load(provider, 'thahs', e.contract, e.fields, e.share),
        SideTable.load(partner, scope.partnerSchema, e.contract, e.fields, null),
      ]);
      const cmp = new EntityComparison({ provider, partner, providerTable: pt, partnerTable: rt, options: req.options, onProgress: req.onProgress });
      let outcome: EntityOutcome;
      if (req.mode === 'recheck') {
        outcome = await cmp.keys(req.recheck?.keys.get(e.entity) ?? [], req.recheck?.runId ?? '');
      } else if (req.mode === 'incremental') {
        const baseline = await store.baseline(scope.agreementId, e.entity, e.shareHash, HASH_VERSION);
        const unusable = baselineProblem(baseline, provider, partner, pt, rt);
        if (unusable !== null || baseline === null) {
          outcome = await cmp.full(unusable ?? 'no clean run of this entity under this agreement version yet');
        } else {
          const r = await cmp.incremental({
            runId: baseline.runId,
            providerSnapshot: baseline.providerSnapshot,
            partnerSnapshot: baseline.receiverSnapshot,
            boundaries: baseline.boundaries,
            segmentsPerBlock: baseline.segmentsPerBlock,
          });
          // A fresh comparison object: the first one may have counted changed keys already.
          outcome =
            'fallback' in r
              ? await new EntityComparison({ provider, partner, providerTable: pt, partnerTable: rt, options: req.options, onProgress: req.onProgress }).full(
                  r.fallback,
                  baseline.runId,
                )
              : r;
        }
      } else {
        outcome = await cmp.full();
      }
      await store.saveEntity(runId, e.shareHash, outcome, t0, new Date());
      differences += outcome.figures.missing + outcome.figures.extra + outcome.figures.different;
      req.onEntity?.(outcome);
    }
    await store.finish(runId, differences === 0 ? 'clean' : 'differences', { totalMs: Date.now() - started });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await store.finish(runId, 'failed', { totalMs: Date.now() - started }, message).catch(() => undefined);
    if (err instanceof ReconcileError) throw err.within({ agreementId: scope.agreementId, runId });
    throw new ReconcileError(message, { agreementId: scope.agreementId, runId }, { cause: err });
  } finally {
    await Promise.all([provider?.close(), partner?.close()]);
  }
  const stored = await store.run(runId);
  if (!stored) throw new ReconcileError('the run vanished from the store', { agreementId: scope.agreementId, runId });
  return stored;
}

/** Why a baseline cannot vouch for the rows it did not see change (null: it can). */
export function baselineProblem(b: StoredBaseline | null, provider: SideSession, partner: SideSession, pt: SideTable, rt: SideTable): string | null {
  if (b === null) return null;
  if (!sameIdentity(b.providerIdentity, provider.identity)) return `the provider's database is not the one of baseline run ${b.runId} (restored, recreated or another cluster)`;
  if (!sameIdentity(b.receiverIdentity, partner.identity)) return `the receiver's database is not the one of baseline run ${b.runId} (restored, recreated or another cluster)`;
  if (b.providerTableOid !== pt.oid) return `the provider's table was recreated since baseline run ${b.runId}`;
  if (b.partnerTableOid !== rt.oid) return `the partner table was created or recreated since baseline run ${b.runId}`;
  return null;
}
