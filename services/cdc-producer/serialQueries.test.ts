import type { QueryResult, QueryResultRow } from 'pg';
import type { SqlRunner } from '../../libs/pgoutput';
import { SerialQueries } from './serialQueries';

/** A connection that takes a few ticks per statement, records the order and how many run at once, and fails a statement named FAIL. */
class FakeClient implements SqlRunner {
  readonly sent: string[] = [];
  active = 0;
  maxActive = 0;

  async query<R extends QueryResultRow = QueryResultRow>(text: string): Promise<QueryResult<R>> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    this.sent.push(text);
    try {
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      if (text.startsWith('FAIL')) throw new Error(`${text} failed`);
      return { rows: [{ text } as unknown as R], rowCount: 1, command: 'SELECT', oid: 0, fields: [] };
    } finally {
      this.active--;
    }
  }
}

describe('SerialQueries', () => {
  it('sends statements asked for at the same time one at a time, in the order asked', async () => {
    const client = new FakeClient();
    const q = new SerialQueries(client);
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((t) => q.query<{ text: string }>(t)));
    expect(results.map((r) => r.rows[0].text)).toEqual(['a', 'b', 'c', 'd']);
    expect(client.sent).toEqual(['a', 'b', 'c', 'd']);
    expect(client.maxActive).toBe(1);
  });

  it('a failing statement rejects its own caller only: the next one runs', async () => {
    const client = new FakeClient();
    const q = new SerialQueries(client);
    const [a, failed, b] = await Promise.allSettled([q.query('a'), q.query('FAIL x'), q.query('b')]);
    expect(a.status).toBe('fulfilled');
    expect(failed).toEqual({ status: 'rejected', reason: new Error('FAIL x failed') });
    expect(b.status).toBe('fulfilled');
    expect(client.sent).toEqual(['a', 'FAIL x', 'b']);
    expect(client.maxActive).toBe(1);
  });

  it('nothing another caller sends runs inside a transaction: it waits for COMMIT', async () => {
    const client = new FakeClient();
    const q = new SerialQueries(client);
    const before = q.query('before');
    const tx = q.transaction(async (t) => {
      await t.query('in 1');
      await t.query('in 2');
      return 'done';
    });
    const during = q.query('other caller');
    await expect(Promise.all([before, tx, during]).then(([, r]) => r)).resolves.toBe('done');
    expect(client.sent).toEqual(['before', 'BEGIN', 'in 1', 'in 2', 'COMMIT', 'other caller']);
    expect(client.maxActive).toBe(1);
  });

  it('a failing transaction is rolled back and rethrown, and the next caller runs', async () => {
    const client = new FakeClient();
    const q = new SerialQueries(client);
    const tx = q.transaction(async (t) => {
      await t.query('FAIL in tx');
    });
    const after = q.query('after');
    await expect(tx).rejects.toThrow('FAIL in tx failed');
    await expect(after).resolves.toBeDefined();
    expect(client.sent).toEqual(['BEGIN', 'FAIL in tx', 'ROLLBACK', 'after']);
  });

  it('refuses a BEGIN sent as a plain statement: only transaction() opens one', async () => {
    const client = new FakeClient();
    const q = new SerialQueries(client);
    await expect(q.query(' begin isolation level repeatable read')).rejects.toThrow(/transaction\(\)/);
    await expect(q.query('START TRANSACTION')).rejects.toThrow(/transaction\(\)/);
    expect(client.sent).toEqual([]);
  });
});
