import { loadConfig } from '../libs/config';
import type { Ministry } from '../libs/contracts/contractTypes';
import { seedDatabase } from '../libs/datagen';
import { ScratchDatabase } from '../test/support/scratchDatabase';
import type { Benchmark } from './main';

/**
 * `thahs seed` throughput: a fresh scratch database on the ministry's cluster, filled in bulk mode
 * (COPY, constraints rebuilt at the end, statistics refreshed), then dropped. The time covers
 * everything after migration: generation, COPY, constraint rebuild and ANALYZE.
 *
 * Args: [persons (default 100000)] [cand|qdnd (default cand)] [seed (default 1)]
 */
export const benchmark: Benchmark = {
  description: 'seed a fresh scratch database by COPY and report rows/s',
  async run(args) {
    const persons = Number(args[0] ?? 100_000);
    const ministry = (args[1] ?? 'cand') as Ministry;
    const seed = Number(args[2] ?? 1);
    if (!Number.isSafeInteger(persons) || persons <= 0) throw new RangeError(`persons must be a positive integer, got ${args[0]}`);
    if (ministry !== 'cand' && ministry !== 'qdnd') throw new RangeError(`ministry must be cand or qdnd, got ${args[1]}`);
    const config = loadConfig();
    const db = await ScratchDatabase.create(ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl, 'seedbench');
    const cpu0 = process.cpuUsage();
    let lastLog = 0;
    let lastPhase = '';
    try {
      const r = await seedDatabase({ url: db.url, ministry, persons, seed }, (p) => {
        if (p.phase === lastPhase && p.elapsedMs - lastLog < 5000) return;
        lastLog = p.elapsedMs;
        lastPhase = p.phase;
        process.stdout.write(`  ${p.phase}: ${p.personsDone}/${p.personsTotal} persons, ${p.rowsWritten} rows, ${(p.elapsedMs / 1000).toFixed(1)} s\n`);
      });
      const cpu = process.cpuUsage(cpu0);
      for (const [table, n] of Object.entries(r.rowsByTable)) process.stdout.write(`  ${table.padEnd(26)} ${String(n).padStart(10)}\n`);
      process.stdout.write(
        `  load ${(r.seconds - r.finishSeconds).toFixed(1)} s (waiting for generator threads ${r.waitSeconds.toFixed(1)} s), constraints + ANALYZE ${r.finishSeconds.toFixed(1)} s\n`,
      );
      process.stdout.write(
        `  mode ${r.mode}; node CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (${((cpu.user + cpu.system) / r.rows).toFixed(1)} µs/row); peak RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB\n`,
      );
      process.stdout.write(`seed ${ministry}: ${persons} persons, ${r.rows} rows in ${r.seconds.toFixed(1)} s = ${Math.round(r.rowsPerSecond)} rows/s\n`);
    } finally {
      await db.drop();
    }
  },
};
