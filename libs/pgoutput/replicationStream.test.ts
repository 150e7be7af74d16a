import { IdentifierError } from './errors';
import { ReplicationStream } from './replicationStream';

// Behaviour against a server is covered by test/pgoutput/replication.test.ts; here only what needs none.
describe('ReplicationStream without a server', () => {
  const base = { connection: 'postgres://u@127.0.0.1:1/db', slot: 'thahs_slot', publications: ['thahs_pub'] };

  it('validates names and settings before connecting', () => {
    expect(() => new ReplicationStream({ ...base, slot: 'Bad-Slot' })).toThrow(IdentifierError);
    expect(() => new ReplicationStream({ ...base, publications: ['ok', 'x";'] })).toThrow(IdentifierError);
    expect(() => new ReplicationStream({ ...base, publications: [] })).toThrow(RangeError);
    expect(() => new ReplicationStream({ ...base, walSenderSettings: { logical_decoding_work_mem: '64kB -c x=y' } })).toThrow(RangeError);
    expect(() => new ReplicationStream({ ...base, walSenderSettings: { logical_decoding_work_mem: '64kB' } })).not.toThrow();
  });

  it('refuses to start or create slots before connect, with a typed error naming the slot', async () => {
    const s = new ReplicationStream(base);
    expect(s.state).toBe('new');
    await expect(s.start(() => undefined)).rejects.toThrow(/replication slot "thahs_slot" \(start\): is new, needs connected/);
    await expect(s.ensureSlot()).rejects.toThrow(/is new, needs connected/);
    expect(() => s.confirm(1n)).toThrow(/beyond the last received position/);
    await s.stop();
    expect(s.state).toBe('stopped');
    await expect(s.finished).resolves.toBeUndefined();
  });

  it('reports a refused connection as a connect failure', async () => {
    const s = new ReplicationStream({ ...base, connection: 'postgres://u@127.0.0.1:9/db' });
    await expect(s.connect()).rejects.toMatchObject({ name: 'ReplicationStreamError', slot: 'thahs_slot', phase: 'connect' });
  });
});
