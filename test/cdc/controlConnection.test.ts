import { Client } from 'pg';
import { ProducerFixture } from '../support/producerFixture';

/** pg's own test before its deprecation notice (lib/client.js, 8.23): a query is sent while others still wait in the client's queue. */
type Queued = { _queryQueue?: unknown[]; pipeline?: boolean };

/**
 * The producer's control connection is shared by the stream (parked keys, boundary work), the slot
 * monitor's heartbeat timer and the snapshots. pg 8 deprecates (pg 9 removes) sending a query while
 * the client still has one waiting; the producer sends them one at a time (SerialQueries). The notice
 * is printed once per process and jest's sandbox does not see the real process's 'warning' events, so
 * the test counts what pg checks before printing it, on every client of the run.
 */
describe('the cdc producer control connection', () => {
  let fx: ProducerFixture;
  beforeAll(async () => {
    fx = await ProducerFixture.create('ctlconn');
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('is never sent a query while another waits on it (heartbeats every 5 ms beside a workload)', async () => {
    const overlapping: string[] = [];
    const query = Client.prototype.query;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const q = this as unknown as Queued;
      if ((q._queryQueue?.length ?? 0) > 0 && !q.pipeline) overlapping.push(String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text).slice(0, 60));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query);
    try {
      // Heartbeats this often overlap each other and the stream's boundary work on the shared connection.
      const producer = fx.producer({ partitions: 1, heartbeatMs: 5 });
      await producer.start();
      for (let i = 0; i < 40; i++) {
        await fx.sql.query(`INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex) VALUES ('CAND', $1, '1990-05-01', 'F')`, [`Person ${i}`]);
        await new Promise((r) => setTimeout(r, 25));
      }
      await producer.stop();
    } finally {
      spy.mockRestore();
    }
    expect(overlapping).toEqual([]);
  });
});
