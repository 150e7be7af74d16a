import type { QueryResult, QueryResultRow } from 'pg';
import type { SqlRunner } from '../../libs/pgoutput';

/** A statement that opens a transaction: only transaction() may send it, so no other caller's statement lands inside. */
const OPENS_TRANSACTION = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;

/**
 * One connection shared by callers that run at the same time — the producer's control connection is
 * used by the stream (parking keys, boundary work), the slot monitor's timers (heartbeat, lag check)
 * and the snapshot coordinator. Statements are sent one at a time, in the order they were asked for:
 * pg 8 queues a query sent while another runs but deprecates it (pg 9 removes the queue). A failed
 * statement rejects its own caller only; the next one runs. transaction() holds the connection from
 * BEGIN to COMMIT or ROLLBACK, so nothing another caller sends can run inside it.
 */
export class SerialQueries implements SqlRunner {
  /** Settles when the last statement (or transaction) asked for has finished, successfully or not. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: SqlRunner) {}

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    if (OPENS_TRANSACTION.test(text)) return Promise.reject(new Error('a transaction on a shared connection is opened with transaction(), never by a BEGIN of its own'));
    return this.turn(() => this.client.query<R>(text, values));
  }

  /**
   * Runs `fn` in one transaction with the connection to itself: `fn`'s statements go straight to the
   * client, everyone else's wait until COMMIT (or ROLLBACK when `fn` throws, then rethrown).
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    return this.turn(async () => {
      await this.client.query(begin);
      try {
        const out = await fn(this.client);
        await this.client.query('COMMIT');
        return out;
      } catch (err) {
        await this.client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  private turn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    // The next caller waits for this one to finish, not for it to succeed.
    this.tail = run.catch(() => undefined);
    return run;
  }
}
