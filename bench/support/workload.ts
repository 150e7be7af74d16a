/**
 * The source workload both pipeline benchmarks drive, inside PostgreSQL (plpgsql), so the benchmark
 * process holds only what it measures: transactions of 60 person inserts (half of them military), 30
 * updates of the previous transaction's rows (a third of them move across the cand → qdnd agreement's
 * is_military filter) and 10 deletes. `CALL bench_workload(first, count, every_ms)` commits `count`
 * transactions, one every `every_ms` milliseconds on a schedule (0: as fast as it can).
 */
export const WORKLOAD = `
CREATE INDEX IF NOT EXISTS bench_person_seq ON thahs.person (prior_convictions);
CREATE OR REPLACE PROCEDURE bench_workload(first_txn int, txns int, every_ms int) LANGUAGE plpgsql AS $$
DECLARE i int; t0 timestamptz := clock_timestamp();
BEGIN
  FOR i IN first_txn .. first_txn + txns - 1 LOOP
    INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military, military_rank, prior_convictions)
      SELECT 'CAND', 'Người thử ' || (i * 60 + g), date '1970-01-01' + ((i * 60 + g) % 15000), CASE WHEN g % 8 = 0 THEN 'F' ELSE 'M' END,
             g % 2 = 0, CASE WHEN g % 2 = 0 THEN 'Trung sĩ' END, i * 60 + g
        FROM generate_series(1, 60) g;
    UPDATE thahs.person SET occupation = 'Nghề ' || i, is_military = (is_military <> (prior_convictions % 3 = 0))
     WHERE prior_convictions BETWEEN (i - 1) * 60 + 1 AND (i - 1) * 60 + 30;
    DELETE FROM thahs.person WHERE prior_convictions BETWEEN (i - 2) * 60 + 31 AND (i - 2) * 60 + 40;
    COMMIT;
    -- Paced on a schedule (one transaction every every_ms), so the offered rate does not sag by the time each one takes.
    IF every_ms > 0 THEN
      PERFORM pg_sleep(GREATEST(0, extract(epoch FROM t0 + (i - first_txn + 1) * every_ms * interval '1 millisecond' - clock_timestamp())));
    END IF;
  END LOOP;
END $$;`;

/** Change events that transactions first .. first + count - 1 of the workload make. */
export function eventsOf(firstTxn: number, txns: number): number {
  let n = 0;
  for (let i = firstTxn; i < firstTxn + txns; i++) n += 60 + (i >= 1 ? 30 : 0) + (i >= 2 ? 10 : 0);
  return n;
}
