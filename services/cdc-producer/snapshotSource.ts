import { Client } from 'pg';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { EventMeta } from '../../libs/events';
import { importSnapshot, Tuple } from '../../libs/pgoutput';
import type { RouteRules } from './agreementPlan';
import type { ChangeEvent } from './changeEvent';
import type { SignedRoute } from './publishRoute';
import { exportTemporarySnapshot } from './temporarySnapshot';

/** What one agreement topic gets from a snapshot. */
export interface SnapshotJob {
  route: SignedRoute;
  rules: RouteRules;
  /** Every row inside the agreement's filter. */
  fullScope: boolean;
  /** Keys to publish as they are now: an upsert when the row exists inside the scope, else a delete. */
  keys?: readonly string[];
  /** Keys to delete when they are no longer inside the scope (a full scope publishes the others anyway). */
  deleteIfOutside?: readonly string[];
}

export interface SnapshotJobResult {
  upserts: number;
  deletes: number;
  /** The keys it published (only for `keys` and `deleteIfOutside`): their floors. */
  keys: string[];
  /**
   * Nothing was published: the version the job was planned under was no longer in force at the
   * snapshot's time (`inForceAt`), so the caller plans it again under the version in force.
   */
  stale?: true;
}

export interface SnapshotOptions {
  pgUrl: string;
  ministry: Ministry;
  sourceEpoch: string;
  applicationName: string;
  /** Publishes one chunk of events (behind everything queued before); awaited, so memory stays bounded. */
  publish(events: ChangeEvent[]): Promise<void>;
  /** Told after each chunk of a full-scope read, for progress records. */
  progress?(job: SnapshotJob, rows: number): Promise<void>;
  chunkRows?: number;
  /**
   * Whether the rules a job was planned under are still those in force at the snapshot's time. The
   * snapshot's time is only known once its consistent point is (a temporary slot waits for the
   * transactions running at its creation: seconds under load), and a version may come into force
   * meanwhile: its rows must not carry a commit time at which their version was no longer in force.
   */
  inForceAt?(rules: RouteRules, atMs: number): boolean;
}

const quote = (n: string): string => `"${n.replace(/"/g, '""')}"`;

/**
 * The snapshot source: reads rows from a snapshot that lines up exactly with the WAL (a temporary
 * slot's exported snapshot, consistent point c) and publishes them at position (c − 1, n) — newer than
 * every commit the snapshot saw, older than every change the stream will deliver after c — so a floor
 * at c keeps every key's topic order equal to its position order. Rows are read in primary-key order,
 * filtered in SQL by the agreement's compiled filter (the predicate's exact twin), as text, so the
 * route's encoder writes them as it writes the stream's. Returns the consistent point.
 */
export async function publishFromSnapshot(jobs: readonly SnapshotJob[], o: SnapshotOptions): Promise<{ consistentPoint: bigint; results: SnapshotJobResult[] }> {
  const snap = await exportTemporarySnapshot(o.pgUrl);
  const reader = new Client({ connectionString: o.pgUrl, application_name: o.applicationName });
  const results: SnapshotJobResult[] = [];
  try {
    await reader.connect();
    await reader.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
    await importSnapshot(reader, snap.snapshotName);
    await snap.release();
    const lsn = snap.consistentPoint - 1n;
    const at = Date.now() * 1000;
    let index = 0;
    const meta = (rules: RouteRules, op: EventMeta['op']): EventMeta => ({
      op,
      position: { lsn, index: index++ },
      xid: 0,
      commitTs: at,
      ministry: o.ministry,
      entity: rules.entity,
      agreementId: rules.agreementId,
      agreementVersion: rules.version,
      sourceEpoch: o.sourceEpoch,
    });
    for (const job of jobs) {
      const { route, rules } = job;
      if (o.inForceAt && !o.inForceAt(rules, at / 1000)) {
        results.push({ upserts: 0, deletes: 0, keys: [], stale: true });
        continue;
      }
      const rel = route.binding.relation;
      const cols = rel.columns.map((c) => quote(c.name)).join(', ');
      const table = `${quote(rel.namespace)}.${quote(rel.name)}`;
      const rowsOf = async (where: string, params: unknown[]): Promise<string[][]> =>
        (
          await reader.query<string[]>({
            text: `SELECT ${cols} FROM ${table} WHERE ${where}`,
            values: params,
            rowMode: 'array',
            // The server's text output, unparsed: the same form pgoutput sends (a ::text cast would not
            // be: booleans would read 'true' instead of 't').
            types: { getTypeParser: () => (v: string) => v },
          })
        ).rows;
      const upsert = (row: string[]): ChangeEvent => {
        const tuple = Tuple.fromValues(row);
        return { route, id: route.binding.keyOf(tuple), value: route.encodeValue(tuple, null, lsn), meta: meta(rules, 'r') };
      };
      const remove = (id: string): ChangeEvent => ({ route, id, value: null, meta: meta(rules, 'd') });
      const result: SnapshotJobResult = { upserts: 0, deletes: 0, keys: [] };
      if (job.fullScope) {
        const chunk = o.chunkRows ?? 5000;
        let after: string | null = null;
        for (;;) {
          const filter = rules.share.whereSql(after === null ? 1 : 2);
          const rows = await rowsOf(
            after === null ? `${filter.sql} ORDER BY id LIMIT ${chunk}` : `id > $1 AND ${filter.sql} ORDER BY id LIMIT ${chunk}`,
            after === null ? filter.params : [after, ...filter.params],
          );
          if (rows.length === 0) break;
          const events = rows.map(upsert);
          after = events[events.length - 1].id;
          result.upserts += events.length;
          await o.publish(events);
          await o.progress?.(job, result.upserts);
          if (rows.length < chunk) break;
        }
      }
      const byKeys = async (ids: readonly string[]): Promise<string[][]> => {
        const filter = rules.share.whereSql(2);
        return rowsOf(`id = ANY($1::uuid[]) AND ${filter.sql}`, [ids, ...filter.params]);
      };
      if (job.keys && job.keys.length > 0) {
        const rows = await byKeys(job.keys);
        const events = rows.map(upsert);
        const present = new Set(events.map((e) => e.id));
        for (const id of job.keys) if (!present.has(id.toLowerCase())) events.push(remove(id.toLowerCase()));
        result.upserts += present.size;
        result.deletes += events.length - present.size;
        result.keys.push(...job.keys.map((k) => k.toLowerCase()));
        await o.publish(events);
      }
      if (job.deleteIfOutside && job.deleteIfOutside.length > 0) {
        const present = new Set((await byKeys(job.deleteIfOutside)).map((row) => route.binding.keyOf(Tuple.fromValues(row))));
        const events = job.deleteIfOutside
          .map((k) => k.toLowerCase())
          .filter((id) => !present.has(id))
          .map(remove);
        result.deletes += events.length;
        result.keys.push(...events.map((e) => e.id));
        await o.publish(events);
      }
      results.push(result);
    }
    await reader.query('COMMIT');
    return { consistentPoint: snap.consistentPoint, results };
  } finally {
    await snap.release().catch(() => undefined);
    await reader.end().catch(() => undefined);
  }
}
