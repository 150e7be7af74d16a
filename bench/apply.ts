import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomUUID } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { loadAgreementFile } from '../libs/agreements';
import { loadConfig } from '../libs/config';
import { repoRoot } from '../libs/config/repoRoot';
import { agreementTopic } from '../libs/contracts/agreementTopics';
import { loadContracts } from '../libs/contracts/contractLoader';
import { parseMeta } from '../libs/events';
import { migrate } from '../libs/model';
import type { ApplyConsumer } from '../services/apply-consumer/applyConsumer';
import { createApplyConsumers } from '../services/apply-consumer/main';
import { confirmedHistory, installKeys, partyKeys, writeHistory } from '../test/support/agreementHistory';
import { ScratchDatabase } from '../test/support/scratchDatabase';
import type { Benchmark } from './main';
import { machineCpu, percentile, procCpu } from './support/measure';
import { cpuByGroup, cpuSnapshot, formatGroups, type Classifier } from './support/processCpu';
import { producerPast as producerPastLsn, startProducerProcess, stopProducerProcess } from './support/producerProcess';
import { eventsOf, WORKLOAD } from './support/workload';

/**
 * The whole pipeline as deployed, on one machine: a cand source database, the `thahs cdc-producer`
 * process, Kafka, and the apply consumer (built by createApplyConsumers from a signed agreement
 * history and a keys folder, as `thahs apply-consumer` builds it) writing the partner store of a qdnd
 * database under the cand → qdnd agreement (person: military only, 11 of 36 fields).
 *
 * The workload runs inside PostgreSQL (plpgsql, transactions of 60 inserts — half of them military —,
 * 30 updates — a third of which move the row across the filter — and 10 deletes), so this process
 * holds only the consumer. Latency is the source commit time (carried by every event) to the moment a
 * poll of the partner store first sees the change committed (update_log, polled every POLL_MS; the
 * figure is an upper bound, high by at most one poll interval). Changes that leave nothing to see
 * (superseded within a batch, or filtered out with no row to remove) have no latency sample. During the
 * paced phase a second, bare Kafka consumer (headers only, no verification) splits the latency: source
 * commit to arrival at a Kafka consumer, i.e. the producer's half.
 */
const POLL_MS = 20;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Watches the partner store's update log: each newly visible change gives one latency sample. */
class VisibilityProbe {
  private lastId = '0';
  private stopped = false;
  private loop?: Promise<void>;
  latencies: number[] = [];

  constructor(private readonly db: Client) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const at = Date.now();
        const r = await this.db.query<{ id: string; us: string }>(
          `SELECT id::text, (extract(epoch FROM commit_ts) * 1000000)::bigint::text AS us FROM partner_state.update_log WHERE id > $1::bigint ORDER BY id`,
          [this.lastId],
        );
        for (const row of r.rows) this.latencies.push(at - Number(row.us) / 1000);
        if (r.rows.length > 0) this.lastId = r.rows[r.rows.length - 1].id;
        await sleep(POLL_MS);
      }
    })();
  }

  take(): number[] {
    const l = this.latencies.sort((a, b) => a - b);
    this.latencies = [];
    return l;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

interface PhaseResult {
  /** Source changes the workload made. */
  changes: number;
  /** Events the producer published for them (what the agreement shares) and the consumer applied. */
  events: number;
  seconds: number;
  p50: number;
  p99: number;
  samples: number;
  /** How long the workload itself ran, and when the bench knew the events' count (the producer's slot past the workload). */
  workloadMs: number;
  learnedMs: number;
  /** CPU over the phase until the count was known (learnedMs), not only until the last event was taken. */
  cpu: { consumer: number; producer: number; machine: number };
  /** CPU seconds per group of processes (see processGroups). */
  groups: Map<string, number>;
}

/**
 * Where the machine's CPU goes, by process: this process (the apply consumer, with the latency probe and
 * the tap), the producer, each PostgreSQL cluster's backends of the scratch databases, the walsender,
 * Kafka, the registry; anything else (other users of the machine, the clusters' background processes)
 * as "other".
 */
function processGroups(prefix: string, sourceDb: string, receiverDb: string): Classifier {
  return (pid, cmd, parent) => {
    if (pid === process.pid) return 'consumer (bench process)';
    if (cmd.includes('cdc-producer') && cmd.includes(prefix)) return 'producer';
    if (cmd.startsWith('postgres: ')) {
      if (cmd.startsWith('postgres: walsender')) return parent.includes('/pg/cand') ? 'cand walsenders' : 'other';
      if (cmd.includes(sourceDb)) return 'source backends';
      if (cmd.includes(receiverDb)) return 'receiver backends';
      if (parent.includes('/pg/cand')) return 'cand cluster, other';
      if (parent.includes('/pg/qdnd')) return 'qdnd cluster, other';
      return 'other';
    }
    if (cmd.startsWith('/usr/bin/java') || cmd.startsWith('java')) return cmd.includes('kafka.Kafka') ? 'kafka' : cmd.includes('quarkus') ? 'registry' : 'other';
    return 'other';
  };
}

export const benchmark: Benchmark = {
  description: 'Apply consumer, whole pipeline: source commit to partner-store commit, sustained events/s and latency',
  async run(args) {
    const txns = Number(args[0] ?? 1000);
    const backlogTxns = Number(args[1] ?? txns);
    const config = loadConfig();
    const contracts = loadContracts();
    const repo = repoRoot();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-bench-apply-'));
    const keysDir = path.join(work, 'keys');
    const agreementsDir = path.join(work, 'agreements');
    const prefix = `bapply${Date.now()}`;
    const source = await ScratchDatabase.create(config.candPgUrl, 'benchapplysrc');
    const receiver = await ScratchDatabase.create(config.qdndPgUrl, 'benchapplydst');
    const src = new Client({ connectionString: source.url });
    const dst = new Client({ connectionString: receiver.url });
    let child: ChildProcess | undefined;
    let consumers: ApplyConsumer[] = [];
    let probe: VisibilityProbe | undefined;
    let peakRss = 0;
    // rss() alone: memoryUsage() also walks the V8 heap spaces, CPU this process would charge to the consumer
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
    try {
      const doc = await loadAgreementFile(path.join(repo, 'deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
      const keys = partyKeys([doc]);
      // one folder for both processes: the producer signs with the cand key, the consumer verifies with the
      // public keys (and signs its own records with the qdnd key)
      installKeys(keysDir, keys);
      writeHistory(agreementsDir, confirmedHistory(doc, keys).events);
      await migrate(source.url, 'cand');
      await migrate(receiver.url, 'qdnd');
      await src.connect();
      await dst.connect();
      await src.query(WORKLOAD);

      child = await startProducerProcess({ repo, src, sourceUrl: source.url, prefix, agreementsDir, keysDir });
      const producerPid = child.pid!;
      process.env.THAHS_KEYS_DIR = keysDir;
      process.env.THAHS_LOG_LEVEL = process.env.THAHS_LOG_LEVEL ?? 'warn';
      process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
      const startConsumers = async (): Promise<void> => {
        consumers = await createApplyConsumers({ receiver: 'qdnd', provider: 'cand', agreements: agreementsDir, topicPrefix: prefix, dbUrl: receiver.url });
        for (const c of consumers) await c.start();
      };
      const received = (): number => consumers.reduce((n, c) => n + c.stats().received, 0);
      await startConsumers();
      probe = new VisibilityProbe(dst);
      probe.start();

      const kafka = new Kafka({ clientId: 'bench-apply', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const personTopic = agreementTopic(prefix, 'cand', doc.id, 'person');
      const published = async (): Promise<number> => {
        let n = 0;
        for (const p of await admin.fetchTopicOffsets(personTopic)) n += Number(p.high);
        return n;
      };

      const classify = processGroups(prefix, source.name, receiver.name);
      const producerPast = (lsn: string, since: number): Promise<void> => producerPastLsn(src, prefix, lsn, since);
      let publishedBase = await published();
      const phase = async (firstTxn: number, count: number, pauseMs: number): Promise<PhaseResult> => {
        const changes = eventsOf(firstTxn, count);
        probe!.take();
        const cpu0 = { consumer: process.cpuUsage(), producer: procCpu(producerPid), machine: machineCpu() };
        const snap0 = cpuSnapshot(classify);
        const t0 = Date.now();
        // The phase ends when the consumer has taken the last event, not when the bench learns how many
        // there are: the producer confirms its slot past the workload's end (WAL of its own state writes
        // included) only at its next status update, seconds after it published the last change. So the
        // consumer's count is sampled from the start and the moment it reached the target is looked up.
        const progress: [number, number][] = [[t0, received()]];
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            const n = received();
            if (n !== progress[progress.length - 1][1]) progress.push([Date.now(), n]);
            await sleep(2);
          }
        })();
        await src.query('CALL bench_workload($1, $2, $3)', [firstTxn, count, pauseMs]);
        const workloadMs = Date.now() - t0;
        // Only what the agreement shares is published: once the producer has passed the workload, the
        // topic's end is what the consumer must reach.
        await producerPast((await src.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn, t0);
        const target = await published();
        const expected = target - publishedBase;
        while (received() < target) {
          if (Date.now() - t0 > 1_200_000) throw new Error(`only ${received() - publishedBase}/${expected} events applied`);
          await sleep(10);
        }
        const learnedMs = Date.now() - t0;
        sampling = false;
        await sampler;
        const reached = progress.find(([, n]) => n >= target)?.[0] ?? Date.now();
        const seconds = (reached - t0) / 1000;
        const groups = cpuByGroup(snap0, cpuSnapshot(classify));
        await sleep(POLL_MS * 3);
        const cu = process.cpuUsage(cpu0.consumer);
        const lat = probe!.take();
        publishedBase = target;
        return {
          changes,
          events: expected,
          seconds,
          p50: percentile(lat, 50),
          p99: percentile(lat, 99),
          samples: lat.length,
          workloadMs,
          learnedMs,
          groups,
          cpu: { consumer: (cu.user + cu.system) / 1e6, producer: procCpu(producerPid) - cpu0.producer, machine: machineCpu() - cpu0.machine },
        };
      };
      const cpuText = (r: PhaseResult): string =>
        `CPU s: consumer process ${r.cpu.consumer.toFixed(1)}, producer process ${r.cpu.producer.toFixed(1)}, whole machine ${r.cpu.machine.toFixed(1)} of ${((r.learnedMs / 1000) * os.cpus().length).toFixed(1)} (until the events' count was known, ${(r.learnedMs / 1000).toFixed(1)} s)`;
      const groupText = (r: Pick<PhaseResult, 'groups' | 'events'>): string => formatGroups(r.groups, r.events);

      process.stdout.write(
        `load average at the start: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}\n`,
      );
      const warm = await phase(0, 50, 0);
      process.stdout.write(`warm-up: ${warm.events} events end to end in ${warm.seconds.toFixed(1)} s\n`);
      // the producer's half of the latency: commit to arrival at a bare Kafka consumer
      const tapLatencies: number[] = [];
      const tap = kafka.consumer({ groupId: `${prefix}-tap-${randomUUID()}`, maxWaitTimeInMs: 100 });
      await tap.connect();
      await tap.subscribe({ topics: [personTopic], fromBeginning: false });
      let tapping = false;
      await tap.run({
        eachMessage: async ({ message }) => {
          const us = parseMeta(message.headers).commitTs;
          if (tapping && us > 0) tapLatencies.push(Date.now() - us / 1000);
        },
      });
      await sleep(3000);
      tapping = true;
      const paced = await phase(50, 200, 50);
      tapping = false;
      await tap.disconnect();
      tapLatencies.sort((a, b) => a - b);
      process.stdout.write(
        `paced (~2,000 source changes/s offered, ${paced.changes}): ${paced.events} events in ${paced.seconds.toFixed(1)} s = ${Math.round(paced.events / paced.seconds)} events/s; ` +
          `commit-to-partner-commit p50 ${paced.p50.toFixed(0)} ms, p99 ${paced.p99.toFixed(0)} ms (${paced.samples} samples); ` +
          `of which commit-to-Kafka-consumer p50 ${percentile(tapLatencies, 50).toFixed(0)} ms, p99 ${percentile(tapLatencies, 99).toFixed(0)} ms; ${cpuText(paced)}\n`,
      );
      const full = await phase(250, txns, 0);
      process.stdout.write(
        `full speed, producer and consumer together: ${full.changes} source changes, ${full.events} events published and applied in ${full.seconds.toFixed(1)} s (the workload ran ${(full.workloadMs / 1000).toFixed(1)} s) = ${Math.round(full.changes / full.seconds)} source changes/s, ${Math.round(full.events / full.seconds)} events/s; ` +
          `p50 ${(full.p50 / 1000).toFixed(1)} s, p99 ${(full.p99 / 1000).toFixed(1)} s; ${cpuText(full)}\n` +
          `full speed, CPU by process: ${groupText(full)}; load average now ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')}\n`,
      );

      // The consumer alone: a backlog published while it is stopped, then drained.
      for (const c of consumers) await c.stop();
      const firstBacklog = 250 + txns;
      const before = await published();
      const tp = Date.now();
      await src.query('CALL bench_workload($1, $2, 0)', [firstBacklog, backlogTxns]);
      await producerPast((await src.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn, tp);
      const backlog = (await published()) - before;
      process.stdout.write(
        `backlog: ${backlog} events published by the producer alone (of ${eventsOf(firstBacklog, backlogTxns)} source changes) in ${((Date.now() - tp) / 1000).toFixed(1)} s\n`,
      );
      const cpuD = process.cpuUsage();
      const machineD = machineCpu();
      const snapD = cpuSnapshot(classify);
      const td = Date.now();
      await startConsumers();
      // a new consumer object: its count starts at zero, its group resumes where the old one committed
      while (received() < backlog) {
        if (Date.now() - td > 1_200_000) throw new Error(`only ${received()}/${backlog} backlog events applied`);
        await sleep(10);
      }
      const drain = (Date.now() - td) / 1000;
      const cd = process.cpuUsage(cpuD);
      const drainGroups = cpuByGroup(snapD, cpuSnapshot(classify));
      process.stdout.write(
        `consumer alone (start, join, drain): ${backlog} events verified, filtered and applied in ${drain.toFixed(1)} s = ${Math.round(backlog / drain)} events/s; ` +
          `CPU s: consumer process ${((cd.user + cd.system) / 1e6).toFixed(1)}, whole machine ${(machineCpu() - machineD).toFixed(1)} of ${(drain * os.cpus().length).toFixed(1)}\n` +
          `consumer alone, CPU by process: ${groupText({ groups: drainGroups, events: backlog })}\n`,
      );
      const stats = consumers[0].stats();
      const held = await dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM partner_cand.person`);
      process.stdout.write(`partner store: ${held.rows[0].n} military persons held; last consumer: ${JSON.stringify(stats)}\n`);
      process.stdout.write(`consumer process peak RSS: ${(peakRss / 1048576).toFixed(0)} MB\n`);
      await admin.disconnect();
      process.stdout.write(
        `apply end to end sustained: ${Math.round(full.events / full.seconds)} events/s verified+filtered+applied ` +
          `(cdc producer + Kafka + apply consumer, mixed 60/30/10 insert/update/delete under the cand → qdnd agreement: ${Math.round(full.changes / full.seconds)} source changes/s, ${(full.events / full.changes).toFixed(2)} events each; whole stack on this machine); ` +
          `commit-to-partner-commit p99 at the paced ${Math.round(paced.events / paced.seconds)} events/s: ${paced.p99.toFixed(0)} ms\n`,
      );
    } finally {
      clearInterval(rssTimer);
      await probe?.stop().catch(() => undefined);
      for (const c of consumers) await c.stop().catch(() => undefined);
      await stopProducerProcess(child);
      await src.end().catch(() => undefined);
      await dst.end().catch(() => undefined);
      await source.drop().catch(() => undefined);
      await receiver.drop().catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    }
  },
};
