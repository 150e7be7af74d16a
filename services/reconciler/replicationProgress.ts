import { Client } from 'pg';
import { agreementTopic, applyGroupId } from '../../libs/contracts/agreementTopics';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { committedOffsets, openAdmin, partitionKey, topicRanges } from '../../libs/ops';
import { ReconcileError, RECONCILER_APPLICATION, type RunScope } from '../../libs/reconcile';

/** Where the pipeline of an agreement runs: what the reconciler needs to know when a change has been applied. */
export interface PipelineLocation {
  kafkaBrokers: string[];
  /** Topic and group prefix (`thahs` for `npm start`). */
  topicPrefix: string;
  /** The provider's replication slot (`<prefix>_cdc_<ministry>` for `npm start`). */
  slotName(provider: Ministry): string;
}

export interface WaitOptions {
  timeoutMs: number;
  pollMs?: number;
}

/** What the wait saw: `skipped` when no pipeline of this agreement runs against these databases. */
export type AppliedWait = { outcome: 'applied'; waitedMs: number } | { outcome: 'skipped'; reason: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the receiver's apply consumer has applied every change the provider committed before
 * `lsn`, in two steps whose order matters:
 * 1. the provider's slot has confirmed `lsn`: the producer moves it only once Kafka has acknowledged
 *    every event before it (heartbeats move it while nothing shared changes);
 * 2. only then are the topics' high watermarks read, and the apply group must have committed at least
 *    those offsets: the consumer commits an offset only after the partner store committed the chunk.
 * Re-published states (libs/republish) are in Kafka once their request is done, so waiting after that
 * with any `lsn` the slot has passed covers them too.
 */
export async function waitUntilApplied(providerUrl: string, pipeline: PipelineLocation, scope: RunScope, lsn: string, o: WaitOptions): Promise<AppliedWait> {
  const started = Date.now();
  const poll = o.pollMs ?? 500;
  const ctx = { agreementId: scope.agreementId, ministry: scope.provider, lsn };
  const slot = pipeline.slotName(scope.provider);
  const db = new Client({ connectionString: providerUrl, application_name: RECONCILER_APPLICATION });
  await db.connect();
  try {
    for (;;) {
      const r = await db.query<{ past: boolean | null }>(
        'SELECT confirmed_flush_lsn >= $2::pg_lsn AS past FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()',
        [slot, lsn],
      );
      if (r.rows.length === 0) return { outcome: 'skipped', reason: `no replication slot ${slot} in the provider's database: no producer streams from it` };
      if (r.rows[0].past) break;
      if (Date.now() - started > o.timeoutMs) throw new ReconcileError(`the producer's slot ${slot} did not confirm ${lsn} within ${o.timeoutMs} ms`, ctx);
      await sleep(poll);
    }
  } finally {
    await db.end();
  }
  const topics = scope.entities.map((e) => agreementTopic(pipeline.topicPrefix, scope.provider, scope.agreementId, e.entity));
  const group = applyGroupId(pipeline.topicPrefix, scope.agreementId, scope.receiver);
  const { admin, close } = await openAdmin(pipeline.kafkaBrokers, 'thahs-reconciler');
  try {
    const { ranges } = await topicRanges(admin, topics);
    const due = ranges.filter((p) => p.high > p.low);
    for (;;) {
      const committed = await committedOffsets(admin, group, [...new Set(due.map((p) => p.topic))]);
      const behind = due.filter((p) => (committed.get(partitionKey(p.topic, p.partition)) ?? -1n) < p.high);
      if (behind.length === 0) return { outcome: 'applied', waitedMs: Date.now() - started };
      if (Date.now() - started > o.timeoutMs) {
        const p = behind[0];
        throw new ReconcileError(`the apply group ${group} did not reach offset ${p.high} of ${p.topic}[${p.partition}] within ${o.timeoutMs} ms`, {
          ...ctx,
          topic: p.topic,
          partition: p.partition,
          offset: String(p.high),
        });
      }
      await sleep(poll);
    }
  } finally {
    await close();
  }
}
