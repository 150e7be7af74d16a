import { spawn } from 'child_process';
import { Client } from 'pg';
import { loadConfig, readSecret } from '../libs/config';
import { StackManager } from '../libs/stack';
import { CdcProducer } from '../services/cdc-producer/cdcProducer';
import { ProducerFixture } from '../test/support/producerFixture';
import { exampleAgreement } from '../test/support/testAgreements';
import * as os from 'os';
import type { Benchmark } from './main';
import { machineCpu, percentile } from './support/measure';
import { cpuByGroup, cpuSnapshot, formatGroups, stackProcessGroups, type Classifier } from './support/processCpu';
import { eventsOf, WORKLOAD } from './support/workload';

/**
 * The source workload (bench/workload.ts) runs inside PostgreSQL, so this process holds only the
 * producer and its RSS is the producer's. The two example agreements of deploy/agreements are in force
 * (the producer provides under cand → qdnd: person, military only, 11 of 36 fields), so the rate
 * counted is source changes the producer is done with — read from the slot, filtered, projected,
 * encoded, signed and acknowledged by Kafka where the agreement shares them — per second; the events
 * published per source change are reported beside it. Latency is commit time (from the Begin message)
 * to Kafka acknowledgement of the events published.
 *
 * Before the measured phases, WARM_TXNS transactions run at full speed unmeasured: the Kafka nodes are
 * JVMs, and a stack started a minute before still spends a third of its brokers' CPU compiling the paths
 * full-speed requests take (async-profiler on the secure nodes, 2026-12-04); a ministry runs them for
 * years, so the rate measured is the compiled one, on both profiles alike.
 *
 * Args: [transactions (default 3000)] [--profile secure [--rounds N (default 3)]]
 */

const WARM_TXNS = 500;

interface PhaseResult {
  /** Source changes done with. */
  events: number;
  /** Events published for them. */
  published: number;
  seconds: number;
  p50: number;
  p99: number;
  /** CPU seconds of this process (the producer) and of the whole machine during the phase. */
  cpu: { producer: number; machine: number };
  /** CPU seconds by process group (stackProcessGroups). */
  groups: Map<string, number>;
}

async function phase(sql: Client, acked: Acked, classify: Classifier, firstTxn: number, txns: number, pauseMs: number): Promise<PhaseResult> {
  const expected = eventsOf(firstTxn, txns);
  const startN = acked.n;
  const startPublished = acked.published;
  acked.lat = [];
  const t0 = Date.now();
  const cpu0 = { producer: process.cpuUsage(), machine: machineCpu() };
  const snap0 = cpuSnapshot(classify);
  await sql.query('CALL bench_workload($1, $2, $3)', [firstTxn, txns, pauseMs]);
  while (acked.n - startN < expected) {
    if (Date.now() - t0 > 600_000) throw new Error(`only ${acked.n - startN}/${expected} source changes done with`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (Date.now() - t0) / 1000;
  const groups = cpuByGroup(snap0, cpuSnapshot(classify));
  const lat = [...acked.lat].sort((a, b) => a - b);
  const pu = process.cpuUsage(cpu0.producer);
  return {
    events: acked.n - startN,
    published: acked.published - startPublished,
    seconds,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    cpu: { producer: (pu.user + pu.system) / 1e6, machine: machineCpu() - cpu0.machine },
    groups,
  };
}

interface Acked {
  /** Source changes done with (their events acknowledged, or none to publish). */
  n: number;
  published: number;
  lat: number[];
}

const HEADLINE = /^cdc sustained: (\d+) source changes\/s/m;

/**
 * One run of this benchmark in a child process on `profile`'s stack, its output passed through with the
 * profile as prefix: a fresh process per profile, so neither run inherits the other's heap, JIT state or
 * clients, and each reads its own settings (libs/config) from the environment as a service does. On the
 * secure profile the producer authenticates as `admin`: the benchmark's topic prefix is nobody's
 * agreement, so the exchange's ACLs do not cover it (TLS, SCRAM and replication factor 3 are the same).
 */
function runProfile(profile: 'plain' | 'secure', txns: number): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, THAHS_STACK_PROFILE: profile };
  if (profile === 'secure' && !env.THAHS_KAFKA_SASL_USERNAME) {
    env.THAHS_KAFKA_SASL_USERNAME = 'admin';
    env.THAHS_KAFKA_SASL_PASSWORD = readSecret(loadConfig(env).stackDir, 'kafka', 'admin');
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'cdc', String(txns)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out += text;
      process.stdout.write(text.replace(/^(?=.)/gm, `[${profile}] `));
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const m = HEADLINE.exec(out);
      if (code === 0 && m) resolve(Number(m[1]));
      else reject(new Error(`bench cdc on the ${profile} profile exited with ${code} without its headline rate`));
    });
  });
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 === 1 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/**
 * `--profile secure`: rounds of the plain then the secure profile, each round's ratio of their rates,
 * and the median. One pair is not a measurement on this VM: the same plain run took 10.2 and 17.5 CPU-s
 * of the machine minutes apart (the host's load on shared cores moves both profiles' rates by a third),
 * so each ratio compares runs made a minute apart and the median of the rounds is what is reported.
 */
async function compareProfiles(txns: number, rounds: number): Promise<void> {
  for (const profile of ['plain', 'secure'] as const) await new StackManager(loadConfig({ ...process.env, THAHS_STACK_PROFILE: profile }), () => undefined).up();
  const ratios: number[] = [];
  const rates = { plain: [] as number[], secure: [] as number[] };
  for (let r = 1; r <= rounds; r++) {
    const plain = await runProfile('plain', txns);
    const secure = await runProfile('secure', txns);
    rates.plain.push(plain);
    rates.secure.push(secure);
    ratios.push((100 * secure) / plain);
    process.stdout.write(`round ${r} of ${rounds}: secure ${secure} / plain ${plain} source changes/s = ${ratios[r - 1].toFixed(1)} %\n`);
  }
  const pct = (v: number): string => `${v.toFixed(1)} %`;
  process.stdout.write(
    `cdc secure vs plain: median ${pct(median(ratios))} of ${rounds} rounds (${ratios.map(pct).join(', ')}); secure ${Math.round(median(rates.secure))} source changes/s against plain ${Math.round(median(rates.plain))} (medians) (target ≥ 70 %; ${txns} full-speed transactions per run after ${WARM_TXNS} unmeasured, TLS + SCRAM-SHA-512 + replication factor 3 / min.insync.replicas 2 against one plain broker)\n`,
  );
}

export const benchmark: Benchmark = {
  description: 'CDC producer: commit to Kafka ack, sustained events/s and latency (--profile secure: plain and secure side by side)',
  async run(argv) {
    const option = (name: string): string | undefined => {
      const at = argv.indexOf(name);
      return at >= 0 ? argv[at + 1] : undefined;
    };
    const profile = option('--profile');
    const rounds = Number(option('--rounds') ?? 3);
    const args = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
    const txns = Number(args[0] ?? 3000);
    if (!Number.isSafeInteger(txns) || txns <= 0) throw new RangeError(`transactions must be a positive integer, got ${args[0]}`);
    if (profile !== undefined && profile !== 'secure') throw new RangeError(`--profile takes 'secure' (plain is the default), got ${profile}`);
    if (!Number.isSafeInteger(rounds) || rounds <= 0) throw new RangeError(`--rounds must be a positive integer, got ${option('--rounds')}`);
    if (profile === 'secure') return compareProfiles(txns, rounds);
    const fx = await ProducerFixture.create('benchcdc', exampleAgreement('cand-to-qdnd'), [exampleAgreement('qdnd-to-cand')]);
    const sql = fx.sql;
    let producer: CdcProducer | undefined;
    let peak = process.memoryUsage();
    const rssTimer = setInterval(() => {
      const m = process.memoryUsage();
      if (m.rss > peak.rss) peak = m;
    }, 100);
    try {
      await sql.query(WORKLOAD);
      const acked: Acked = { n: 0, published: 0, lat: [] };
      producer = fx.producer({
        onAcked: (events, at, sourceChanges) => {
          acked.n += sourceChanges;
          acked.published += events.length;
          for (const e of events) if (e.meta.op !== 'r') acked.lat.push(at - e.meta.commitTs / 1000);
        },
      });
      await producer.start();
      const cpuText = (r: PhaseResult): string =>
        `CPU s: producer ${r.cpu.producer.toFixed(1)} (${((r.cpu.producer / r.events) * 1e6).toFixed(0)} µs/source change), whole machine ${r.cpu.machine.toFixed(1)} of ${(r.seconds * os.cpus().length).toFixed(1)}; ${r.published} events published (${(r.published / r.events).toFixed(2)} per source change)`;
      const classify = stackProcessGroups(loadConfig().stackDir, fx.db.name, 'producer (bench process)');
      const warm = await phase(sql, acked, classify, 0, WARM_TXNS, 0);
      process.stdout.write(`warm-up (unmeasured, full speed): ${warm.events} source changes in ${warm.seconds.toFixed(1)} s\n`);
      const paced = await phase(sql, acked, classify, WARM_TXNS, 200, 50);
      process.stdout.write(
        `paced (~2,000 source changes/s offered, ${paced.events} in ${paced.seconds.toFixed(1)} s = ${Math.round(paced.events / paced.seconds)}/s): commit-to-ack p50 ${paced.p50.toFixed(0)} ms, p99 ${paced.p99.toFixed(0)} ms; ${cpuText(paced)}\n`,
      );
      const full = await phase(sql, acked, classify, WARM_TXNS + 200, txns, 0);
      process.stdout.write(
        `full speed: ${full.events} source changes in ${full.seconds.toFixed(1)} s, commit-to-ack p50 ${full.p50.toFixed(0)} ms, p99 ${full.p99.toFixed(0)} ms; ${cpuText(full)}\n` +
          `full speed, CPU by process: ${formatGroups(full.groups, full.events, 'source change')}\n`,
      );
      const mb = (n: number): string => (n / 1048576).toFixed(0);
      process.stdout.write(
        `producer process peak RSS: ${mb(peak.rss)} MB (at that moment: V8 heap ${mb(peak.heapTotal)} MB of which used ${mb(peak.heapUsed)} MB, buffers ${mb(peak.arrayBuffers)} MB)\n`,
      );
      process.stdout.write(
        `cdc sustained: ${Math.round(full.events / full.seconds)} source changes/s (mixed 60/30/10 insert/update/delete of person under the two example agreements, ${(full.published / full.events).toFixed(2)} events published per source change, source commit to Kafka ack, whole stack on this machine)\n`,
      );
    } finally {
      clearInterval(rssTimer);
      await producer?.stop().catch(() => undefined);
      await fx.close();
    }
  },
};
