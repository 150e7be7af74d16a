import { CdcProducer } from '../services/cdc-producer/cdcProducer';
import { ProducerFixture } from '../test/support/producerFixture';
import type { Benchmark } from './main';

/**
 * One transaction of N inserted rows (default 1,000,000): the producer must publish it with bounded
 * memory. With pgoutput protocol 1 the walsender spills the transaction to its disk and streams it after
 * the commit; the producer publishes the changes as they arrive and confirms the slot at the commit.
 */
export const benchmark: Benchmark = {
  description: 'CDC producer memory and rate for one very large transaction',
  async run(args) {
    const rows = Number(args[0] ?? 1_000_000);
    const fx = await ProducerFixture.create('bigtx');
    const sql = fx.sql;
    let producer: CdcProducer | undefined;
    let peakRss = 0;
    const baseRss = process.memoryUsage().rss;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    try {
      let acked = 0;
      let lastAck = 0;
      producer = fx.producer({
        onAcked: (events, at) => {
          acked += events.length;
          lastAck = at;
        },
      });
      await producer.start();
      const startRss = process.memoryUsage().rss;
      const t0 = Date.now();
      await sql.query(
        `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex)
         SELECT 'CAND', 'Người thử ' || g, date '1970-01-01' + (g % 15000), CASE WHEN g % 8 = 0 THEN 'F' ELSE 'M' END FROM generate_series(1, $1) g`,
        [rows],
      );
      const committed = Date.now();
      process.stdout.write(`committed ${rows} rows in one transaction in ${((committed - t0) / 1000).toFixed(1)} s\n`);
      while (acked < rows) {
        if (Date.now() - committed > 1_800_000) throw new Error(`only ${acked}/${rows} acknowledged`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const spill = await sql.query<{ spill_bytes: string }>('SELECT spill_bytes::text FROM pg_stat_replication_slots WHERE slot_name = $1', [fx.slot]);
      process.stdout.write(`walsender spilled ${(Number(spill.rows[0]?.spill_bytes ?? 0) / 1048576).toFixed(0)} MB to disk\n`);
      process.stdout.write(
        `process RSS: ${(baseRss / 1048576).toFixed(0)} MB before, ${(startRss / 1048576).toFixed(0)} MB after start, peak ${(peakRss / 1048576).toFixed(0)} MB\n`,
      );
      process.stdout.write(
        `cdc large transaction: ${rows} events published in ${((lastAck - committed) / 1000).toFixed(1)} s after commit = ${Math.round(rows / ((lastAck - committed) / 1000))} events/s, peak RSS ${(peakRss / 1048576).toFixed(0)} MB\n`,
      );
    } finally {
      clearInterval(rssTimer);
      await producer?.stop().catch(() => undefined);
      await fx.close();
    }
  },
};
