import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import type { Client } from 'pg';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The `thahs cdc-producer` process of the pipeline benchmarks, as deployed: compiled when the benchmark
 * runs compiled (npm run bench), its slot and publication named after the prefix, signing with the
 * keys folder's provider key. Resolves once its slot streams.
 */
export async function startProducerProcess(o: { repo: string; src: Client; sourceUrl: string; prefix: string; agreementsDir: string; keysDir: string }): Promise<ChildProcess> {
  const ext = path.extname(__filename);
  const child = spawn(
    process.execPath,
    [
      '--max-old-space-size=192',
      ...(ext === '.ts' ? ['-r', 'ts-node/register/transpile-only'] : []),
      path.join(__dirname, '..', '..', 'services', 'cli', `main${ext}`),
      'cdc-producer',
      '--ministry',
      'cand',
      '--db-url',
      o.sourceUrl,
      '--slot',
      `slot_${o.prefix}`,
      '--publication',
      `pub_${o.prefix}`,
      '--topic-prefix',
      o.prefix,
      '--agreements',
      o.agreementsDir,
    ],
    { cwd: o.repo, env: { ...process.env, THAHS_KEYS_DIR: o.keysDir, THAHS_LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let i = 0; ; i++) {
    const r = await o.src.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [`slot_${o.prefix}`]);
    if (r.rowCount === 1) return child;
    if (i > 480) throw new Error('the producer did not start streaming');
    await sleep(250);
  }
}

/** Resolves once the producer is done with every source change committed before `lsn` (its slot passed it). */
export async function producerPast(src: Client, prefix: string, lsn: string, since = Date.now()): Promise<void> {
  for (;;) {
    const r = await src.query<{ past: boolean }>('SELECT confirmed_flush_lsn >= $2::pg_lsn AS past FROM pg_replication_slots WHERE slot_name = $1', [`slot_${prefix}`, lsn]);
    if (r.rows[0]?.past) return;
    if (Date.now() - since > 1_200_000) throw new Error('the producer did not pass the workload');
    await sleep(10);
  }
}

/** Stops the producer process (SIGTERM) and waits for it to exit. */
export async function stopProducerProcess(child: ChildProcess | undefined): Promise<void> {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}
