import { performance } from 'perf_hooks';
import { PgoutputDecoder } from './pgoutputDecoder';
import { encodePgoutput, encodeXLogData } from './pgoutputEncoder';
import { parseWalSenderFrame } from './walSenderFrames';
import type { PgoutputMessage, Relation } from './pgoutputMessages';
import { Tuple } from './tuple';

/**
 * Decode throughput without a server: frames shaped like the machine-ceilings workload (a 9-column
 * `person` row of ~164 text chars; per 100-change transaction 60 INSERT, 30 UPDATE, 10 DELETE), decoded
 * the way ReplicationStream does (frame header + pgoutput message). Compare with the walsender ceiling
 * of ~125k changes/s on this machine: decoding must cost a small fraction of a core at that rate.
 * Shaped like bench/main.ts's Benchmark so it can be registered there.
 */
export const decodeBenchmark = {
  description: 'pgoutput decode throughput (messages/s) on synthetic person-table frames',
  async run(args: string[]): Promise<void> {
    const total = Number(args[0] ?? 1_000_000);
    const relation: Relation = {
      oid: 16_400,
      namespace: 'public',
      name: 'person',
      replicaIdentity: 'default',
      columns: ['id', 'national_id', 'full_name', 'birth_date', 'province', 'sentence_months', 'facility_code', 'status', 'updated_at'].map((name, i) => ({
        name,
        isKey: i === 0,
        flags: i === 0 ? 1 : 0,
        typeOid: [20, 1042, 25, 1082, 25, 23, 25, 25, 1184][i],
        typeMod: i === 1 ? 16 : -1,
      })),
    };
    const row = (id: number): Tuple =>
      Tuple.fromValues([
        String(id),
        String(id).padStart(12, '0'),
        'D4fdaaf961c7 63105bced1 5d428bf748f44e 46bbc08dd08c512815f81a390af619b9',
        '1971-09-07',
        'Cordoba',
        '31',
        'FAC-00013',
        'RELEASED',
        '2024-01-01 00:00:01+00',
      ]);
    const now = BigInt(Date.now()) * 1000n;
    const tx: PgoutputMessage[] = [{ tag: 'begin', finalLsn: 0x3000n, commitTime: now, xid: 1234 }];
    for (let i = 0; i < 60; i++) tx.push({ tag: 'insert', xid: null, relation, newTuple: row(1_000_000 + i) });
    for (let i = 0; i < 30; i++) tx.push({ tag: 'update', xid: null, relation, keyTuple: null, oldTuple: null, newTuple: row(999_000 + i) });
    for (let i = 0; i < 10; i++)
      tx.push({ tag: 'delete', xid: null, relation, keyTuple: Tuple.fromValues([String(i), null, null, null, null, null, null, null, null]), oldTuple: null });
    tx.push({ tag: 'commit', flags: 0, commitLsn: 0x3000n, endLsn: 0x3030n, commitTime: now });
    const frames = tx.map((m, i) => encodeXLogData(0x2000n + BigInt(i), 0x2000n + BigInt(i), now, encodePgoutput(m)));
    const bytes = frames.reduce((n, f) => n + f.length, 0);

    const decoder = new PgoutputDecoder();
    decoder.decode(encodePgoutput({ tag: 'relation', xid: null, relation }));
    const runOnce = (n: number): number => {
      let cols = 0;
      for (let k = 0; k < n;) {
        for (const f of frames) {
          const h = parseWalSenderFrame(f);
          if (h.kind !== 'xlogData') continue;
          const m = decoder.decode(f, h.payloadOffset, f.length);
          if (m.tag === 'insert' || m.tag === 'update') cols += m.newTuple.length;
          k++;
        }
      }
      return cols;
    };
    runOnce(200_000); // warm-up: let the JIT settle
    const results: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      runOnce(total);
      const sec = (performance.now() - t0) / 1000;
      results.push(total / sec);
      process.stdout.write(
        `run ${r + 1}: ${Math.round(total / sec).toLocaleString('en')} msgs/s, ${(((total / frames.length) * bytes) / 1048576 / sec).toFixed(1)} MiB/s of frames\n`,
      );
    }
    results.sort((a, b) => a - b);
    process.stdout.write(`pgoutput decode (frame header + message, median of 3): ${Math.round(results[1]).toLocaleString('en')} messages/s on one core\n`);
  },
};

if (require.main === module) {
  void decodeBenchmark.run(process.argv.slice(2));
}
