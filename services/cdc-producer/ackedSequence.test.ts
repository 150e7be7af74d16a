import { murmur2 } from '../../libs/kafka/keyPartitioner';
import type { SigningKey } from '../../libs/signing';
import { AckedSequence } from './ackedSequence';
import type { ChangeEvent } from './changeEvent';
import { PartitionSequencer } from './partitionSequencer';

const T = 'thahs.cand.A.person';
const route = { topic: T, key: {} as SigningKey, encodeKey: (id: string) => Buffer.from(id) };
const event = (id: string): ChangeEvent => ({ route, id, value: null, meta: {} as ChangeEvent['meta'] });
const home = (id: string): number => (murmur2(Buffer.from(id)) & 0x7fffffff) % 2;

describe('acknowledged sequence', () => {
  it('states per partition the last number acknowledged and the keys of the last events, as the sequencer numbered them', () => {
    const seq = new PartitionSequencer(() => 2);
    const acked = new AckedSequence();
    const numbered = new Map<string, number>();
    const batch = (ids: string[]): ChangeEvent[] => {
      for (const id of ids) numbered.set(id, seq.next(T, Buffer.from(id))!.seq);
      return ids.map(event);
    };
    expect(acked.partitions(T)).toEqual([]);
    const ids = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    const first = batch(ids.slice(0, 10));
    acked.record(seq.mark(), first);
    const second = batch(ids.slice(10, 20));
    acked.record(seq.mark(), second);
    for (let i = 0; i < 10; i++) acked.record(seq.mark(), []); // confirm-only flushes (heartbeats) keep the keys
    const inFlight = batch(ids.slice(20)); // prepared, never acknowledged: not stated
    void inFlight;
    const parts = acked.partitions(T);
    expect(parts.map((p) => p.partition)).toEqual([0, 1]);
    for (const p of parts) {
      const mine = ids.slice(0, 20).filter((id) => home(id) === p.partition);
      expect(p.seq).toBe(mine.length);
      expect(p.tail).toEqual(mine.slice(-8).map((id) => [numbered.get(id), id]));
    }
  });

  it('names no key rather than a wrong one when a batch went partly unnumbered', () => {
    let known = false;
    const seq = new PartitionSequencer(() => (known ? 1 : undefined));
    const acked = new AckedSequence();
    seq.next(T, Buffer.from('a')); // partition count unknown: not numbered
    known = true;
    seq.next(T, Buffer.from('b'));
    acked.record(seq.mark(), [event('a'), event('b')]);
    expect(acked.partitions(T)).toEqual([{ topic: T, partition: 0, seq: 1, tail: [] }]);
  });
});
