import { randomBytes } from 'crypto';
import { Client } from 'pg';
import { parseLsn } from '../../libs/pgoutput';

export interface ExportedSnapshot {
  consistentPoint: bigint;
  snapshotName: string;
  /** Ends the export (and drops the temporary slot); call once the snapshot has been imported. */
  release(): Promise<void>;
}

/**
 * A snapshot that lines up exactly with the WAL: a TEMPORARY logical slot created with an exported
 * snapshot. Every commit before its consistent point is visible in it, none after; so rows read from
 * it can be given the position (consistent point − 1) and ordered against streamed changes.
 */
export async function exportTemporarySnapshot(pgUrl: string): Promise<ExportedSnapshot> {
  const repl = new Client({ connectionString: pgUrl, replication: 'database' } as ConstructorParameters<typeof Client>[0]);
  await repl.connect();
  try {
    const name = `thahs_resnap_${randomBytes(6).toString('hex')}`;
    const r = await repl.query<{ consistent_point: string; snapshot_name: string }>(`CREATE_REPLICATION_SLOT ${name} TEMPORARY LOGICAL pgoutput (SNAPSHOT 'export')`);
    return {
      consistentPoint: parseLsn(r.rows[0].consistent_point),
      snapshotName: r.rows[0].snapshot_name,
      release: () => repl.end(),
    };
  } catch (err) {
    await repl.end().catch(() => undefined);
    throw err;
  }
}
