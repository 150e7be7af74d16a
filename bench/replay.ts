import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { loadAgreementFile } from '../libs/agreements';
import { loadConfig } from '../libs/config';
import { repoRoot } from '../libs/config/repoRoot';
import { agreementTopic } from '../libs/contracts/agreementTopics';
import { loadContracts } from '../libs/contracts/contractLoader';
import { createLogger } from '../libs/logger';
import { migrate } from '../libs/model';
import { openAdmin, planReplay } from '../libs/ops';
import { loadAgreementHistories } from '../services/apply-consumer/agreementHistories';
import type { ApplyConsumer } from '../services/apply-consumer/applyConsumer';
import { createApplyConsumers } from '../services/apply-consumer/main';
import { replayerFor } from '../services/apply-consumer/replayerFor';
import { confirmedHistory, installKeys, partyKeys, writeHistory } from '../test/support/agreementHistory';
import { ScratchDatabase } from '../test/support/scratchDatabase';
import type { Benchmark } from './main';
import { machineCpu } from './support/measure';
import { producerPast as producerPastLsn, startProducerProcess, stopProducerProcess } from './support/producerProcess';
import { WORKLOAD } from './support/workload';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `thahs replay --rebuild` at scale, beside the apply consumer in the same run: the apply benchmark's
 * pipeline (a cand source database, the `thahs cdc-producer` process, Kafka, a qdnd partner store
 * under the cand → qdnd agreement) publishes a backlog of at least N events (default 100,000) while
 * the consumer is stopped; the consumer then drains it (start, join, drain: the apply figure), and,
 * with that consumer still running as the pipeline, the replayer empties the partner store and
 * restores it from the earliest offsets through the same stages (EventAssessor, ChunkWriter). The
 * store is compared before and after; the rebuild's events/s and its ratio to the apply figure are
 * printed last.
 */
export const benchmark: Benchmark = {
  description: 'Replay: events/s of a partner-store rebuild from the earliest offsets, beside the apply consumer draining the same backlog',
  async run(args) {
    const wanted = Number(args[0] ?? 100_000);
    const config = loadConfig();
    const contracts = loadContracts();
    const repo = repoRoot();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-bench-replay-'));
    const keysDir = path.join(work, 'keys');
    const agreementsDir = path.join(work, 'agreements');
    const prefix = `breplay${Date.now()}`;
    const source = await ScratchDatabase.create(config.candPgUrl, 'benchreplaysrc');
    const receiver = await ScratchDatabase.create(config.qdndPgUrl, 'benchreplaydst');
    const src = new Client({ connectionString: source.url });
    const dst = new Client({ connectionString: receiver.url });
    let child: ChildProcess | undefined;
    let consumers: ApplyConsumer[] = [];
    const k = await openAdmin(config.kafkaBrokers, 'bench-replay');
    try {
      const doc = await loadAgreementFile(path.join(repo, 'deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
      const keys = partyKeys([doc]);
      installKeys(keysDir, keys);
      writeHistory(agreementsDir, confirmedHistory(doc, keys).events);
      await migrate(source.url, 'cand');
      await migrate(receiver.url, 'qdnd');
      await src.connect();
      await dst.connect();
      await src.query(WORKLOAD);
      child = await startProducerProcess({ repo, src, sourceUrl: source.url, prefix, agreementsDir, keysDir });
      process.env.THAHS_KEYS_DIR = keysDir;
      process.env.THAHS_LOG_LEVEL = process.env.THAHS_LOG_LEVEL ?? 'warn';
      process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
      const topics = doc.data.entities.map((e) => agreementTopic(prefix, 'cand', doc.id, e.entity));
      const personTopic = agreementTopic(prefix, 'cand', doc.id, 'person');
      const published = async (): Promise<number> => {
        const existing = new Set(await k.admin.listTopics());
        if (!existing.has(personTopic)) return 0;
        return (await k.admin.fetchTopicOffsets(personTopic)).reduce((n, p) => n + Number(p.high), 0);
      };
      const producerPast = (lsn: string): Promise<void> => producerPastLsn(src, prefix, lsn);

      // The backlog, in rounds of 200 workload transactions until the person topic holds enough.
      const tp = Date.now();
      let txn = 0;
      while ((await published()) < wanted) {
        await src.query('CALL bench_workload($1, $2, 0)', [txn, 200]);
        txn += 200;
        await producerPast((await src.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn);
      }
      const backlog = await published();
      process.stdout.write(`backlog: ${backlog} person events published by the producer from ${txn} workload transactions in ${((Date.now() - tp) / 1000).toFixed(1)} s\n`);

      // The apply consumer alone drains it: start, join, drain.
      const m0 = machineCpu();
      const ta = Date.now();
      consumers = await createApplyConsumers({ receiver: 'qdnd', provider: 'cand', agreements: agreementsDir, topicPrefix: prefix, dbUrl: receiver.url });
      for (const c of consumers) await c.start();
      const received = (): number => consumers.reduce((n, c) => n + c.stats().received, 0);
      while (received() < backlog) {
        if (Date.now() - ta > 1_200_000) throw new Error(`only ${received()}/${backlog} events applied`);
        await sleep(10);
      }
      const applySeconds = (Date.now() - ta) / 1000;
      const applyRate = backlog / applySeconds;
      process.stdout.write(
        `apply consumer (start, join, drain): ${backlog} events in ${applySeconds.toFixed(1)} s = ${Math.round(applyRate)} events/s; whole machine CPU ${(machineCpu() - m0).toFixed(1)} s of ${(applySeconds * os.cpus().length).toFixed(1)}\n`,
      );
      const digest = async (): Promise<{ n: string; md5: string }> =>
        (
          await dst.query<{ n: string; md5: string }>(
            `SELECT count(*)::text AS n, md5(COALESCE(string_agg((to_jsonb(p) - '_applied_at')::text, ',' ORDER BY id), '')) AS md5 FROM partner_cand.person p`,
          )
        ).rows[0];
      const before = await digest();

      // The rebuild, the consumer still running beside it as the pipeline.
      const [state] = await loadAgreementHistories(agreementsDir, keysDir, contracts);
      const replayer = replayerFor(state, 'qdnd', contracts, { pgUrl: receiver.url, topicPrefix: prefix, log: createLogger('bench-replay', 'warn') });
      const m1 = machineCpu();
      const tr = Date.now();
      const plan = await planReplay(k.admin, topics, { kind: 'earliest' }, { kind: 'end' });
      await replayer.open();
      let done;
      try {
        const emptied = await replayer.emptyStore(doc.data.entities.map((e) => e.entity));
        done = await replayer.replay(plan.ranges);
        process.stdout.write(`emptied: ${emptied.map((e) => `${e.entity} ${e.rows} rows, ${e.tombstones} tombstones`).join('; ')}\n`);
      } finally {
        await replayer.close();
      }
      const replaySeconds = (Date.now() - tr) / 1000;
      const replayRate = done.read / replaySeconds;
      const after = await digest();
      process.stdout.write(
        `rebuild: ${done.read} events read (plan: at most ${plan.events}) in ${replaySeconds.toFixed(1)} s: applied ${done.applied}, stale ${done.stale}, withheld ${done.withheld}, dead-lettered ${done.deadLettered}; ` +
          `whole machine CPU ${(machineCpu() - m1).toFixed(1)} s of ${(replaySeconds * os.cpus().length).toFixed(1)}; partner store ${before.n} rows before, ${after.n} after, ${before.md5 === after.md5 ? 'identical' : 'DIFFERENT'}\n`,
      );
      if (before.md5 !== after.md5) process.exitCode = 1;
      process.stdout.write(
        `replay rebuild: ${Math.round(replayRate)} events/s replayed (verified, filtered, position-checked into an emptied partner store, ${done.read} events from the earliest offsets, the apply consumer running beside it); ` +
          `${(replayRate / applyRate).toFixed(2)}× the apply consumer's ${Math.round(applyRate)} events/s on the same backlog in this run (targets: ≥ 10,000 events/s, ≥ 0.8×)\n`,
      );
    } finally {
      for (const c of consumers) await c.stop().catch(() => undefined);
      await stopProducerProcess(child);
      await k.close();
      await src.end().catch(() => undefined);
      await dst.end().catch(() => undefined);
      await source.drop().catch(() => undefined);
      await receiver.drop().catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    }
  },
};
