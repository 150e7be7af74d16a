import { loadContracts } from '../../libs/contracts/contractLoader';
import { createLogger } from '../../libs/logger';
import { Relation, Tuple, type Lsn } from '../../libs/pgoutput';
import { ContractDriftError } from './cdcErrors';
import type { ChangeEvent } from './changeEvent';
import type { SourceChange } from './changeRouter';
import { ChangeSink } from './changeSink';
import type { ParkedKey } from './producerState';
import { TableStates } from './tableState';

const contracts = loadContracts();
const person = contracts.get('person');
const OID: Record<string, number> = { string: 25, uuid: 2950, enum: 16400, json: 3802, boolean: 16, int: 23, long: 20, double: 701, decimal: 1700, date: 1082, timestamp: 1184 };
const relation = (over: Partial<Relation> = {}, fields = person.fields): Relation => ({
  oid: 4242,
  namespace: 'thahs',
  name: 'person',
  replicaIdentity: 'full',
  columns: fields.map((f) => ({ name: f.name, isKey: f.name === 'id', flags: 0, typeOid: OID[f.kind], typeMod: -1 })),
  ...over,
});
/** A row image whose only value that matters here is its key. */
const row = (id: string | null): Tuple => Tuple.fromValues(person.fields.map((f) => (f.name === 'id' ? id : null)));
const at = (lsn: number, index = 0) => ({ lsn: BigInt(lsn), index });
const event = (id: string): ChangeEvent => ({ id }) as unknown as ChangeEvent;

class FakeRouter {
  nowMs = 0;
  shared = true;
  drift?: ContractDriftError;
  readonly routed: SourceChange[] = [];
  parkNext?: ParkedKey;

  shares(): boolean {
    return this.shared;
  }

  route(c: SourceChange, out: ChangeEvent[], parked: ParkedKey[]): void {
    if (this.drift) throw this.drift;
    this.routed.push(c);
    out.push(event(c.newTuple?.value(0) as string));
    if (this.parkNext) parked.push(this.parkNext);
  }
}

function setUp() {
  const log = createLogger('sink-test', 'error');
  const errors = jest.spyOn(log, 'error').mockImplementation(() => log);
  const tables = new TableStates(contracts, ['person']);
  const calls: string[] = [];
  const state = {
    stopTable: jest.fn((entity: string, reason: string) => (calls.push(`stop ${entity}: ${reason}`), Promise.resolve())),
    park: jest.fn((entity: string, id: string, op: string, lsn: string, index: number) => (calls.push(`park ${entity} ${id} ${op} ${lsn}/${index}`), Promise.resolve())),
    parkForAgreement: jest.fn((keys: readonly ParkedKey[]) => (calls.push(`park for agreement ${keys.length}`), Promise.resolve())),
  };
  const flushed: { events: string[]; confirm: Lsn | null; commitUs: number; changes: number }[] = [];
  const pipeline = {
    flush: jest.fn((out: ChangeEvent[], confirm: Lsn | null, commitUs: number, changes: number) => {
      calls.push('flush');
      flushed.push({ events: out.splice(0).map((e) => e.id), confirm, commitUs, changes });
      return Promise.resolve();
    }),
  };
  const router = new FakeRouter();
  const boundary = jest.fn(() => Promise.resolve());
  const sink = new ChangeSink({ ministry: 'cand', schema: 'thahs', tables, state, router: () => router, pipeline, boundary, log });
  return { sink, tables, state, pipeline, router, boundary, errors, calls, flushed };
}

describe('ChangeSink', () => {
  it('binds the tables of the source schema only and routes their changes, then hands them to the pipeline', async () => {
    const { sink, tables, router, flushed } = setUp();
    await sink.relation(relation({ oid: 77, namespace: 'elsewhere' }));
    expect(tables.oid(77)).toBeUndefined();
    expect(sink.change('c', relation({ oid: 77, namespace: 'elsewhere' }), row('a'), null, at(10), 1, 5)).toBeNull();

    await sink.relation(relation());
    const t = tables.entity('person')!;
    expect(t.binding).not.toBeNull();
    expect(tables.oid(4242)).toBe(t);

    expect(sink.change('c', relation(), row('a'), null, at(11), 1, 5)).toBeNull();
    expect(sink.change('u', relation(), row('b'), row('b'), at(12), 1, 5)).toBeNull();
    expect(router.routed.map((c) => [c.op, c.table.entity, c.xid, c.commitTimeUs])).toEqual([
      ['c', 'person', 1, 5],
      ['u', 'person', 1, 5],
    ]);
    expect(sink.pending()).toBe(2);

    await sink.flush(12n, 5);
    expect(router.nowMs).toBeGreaterThan(0);
    // Every change the stream handed counts as a source change, routed or not.
    expect(flushed).toEqual([{ events: ['a', 'b'], confirm: 12n, commitUs: 5, changes: 3 }]);
    expect(sink.pending()).toBe(0);
    await sink.flush(null, 6);
    expect(flushed[1]).toEqual({ events: [], confirm: null, commitUs: 6, changes: 0 });
  });

  it('routes nothing of an entity no agreement shares', async () => {
    const { sink, router, flushed } = setUp();
    await sink.relation(relation());
    router.shared = false;
    expect(sink.change('c', relation(), row('a'), null, at(11), 1, 5)).toBeNull();
    expect(router.routed).toEqual([]);
    await sink.flush(11n, 5);
    expect(flushed).toEqual([{ events: [], confirm: 11n, commitUs: 5, changes: 1 }]);
  });

  it('makes the keys parked for an agreement durable before the flush that lets the slot pass them', async () => {
    const { sink, router, state, calls } = setUp();
    await sink.relation(relation());
    router.parkNext = { agreementId: 'A', entity: 'person', id: 'a' } as ParkedKey;
    sink.change('c', relation(), row('a'), null, at(11), 1, 5);
    await sink.flush(11n, 5);
    expect(state.parkForAgreement).toHaveBeenCalledWith([router.parkNext]);
    expect(calls).toEqual(['park for agreement 1', 'flush']);
    calls.length = 0;
    router.parkNext = undefined;
    await sink.flush(12n, 6);
    expect(calls).toEqual(['flush']);
  });

  it('stops a table whose relation drifted from its contract and parks its changes by key', async () => {
    const { sink, tables, state, router, errors } = setUp();
    await sink.relation(relation());
    // The column full_name dropped while streaming: the key keeps its position from the binding before.
    const drifted = relation(
      {},
      person.fields.filter((f) => f.name !== 'full_name'),
    );
    await sink.relation(drifted);
    const t = tables.entity('person')!;
    expect(t.stopped).toMatch(/full_name/);
    expect(state.stopTable).toHaveBeenCalledWith('person', t.stopped);
    expect(errors).toHaveBeenCalledWith('table stopped by contract drift', expect.objectContaining({ ministry: 'cand', entity: 'person', field: 'full_name' }));

    await sink.change('d', drifted, null, row('k1'), at(0x20, 3), 1, 5);
    expect(state.park).toHaveBeenCalledWith('person', 'k1', 'd', '0/20', 3);
    expect(router.routed).toEqual([]);
    // A relation message later does not bind a stopped table again.
    await sink.relation(relation());
    expect(t.binding).toBeNull();
  });

  it('parks the changes of a table that drifted by the key position of the drifted relation', async () => {
    const { sink, tables, state } = setUp();
    await sink.relation(relation());
    // Recreated with full_name gone and the columns in another order: the key is now the last column.
    const fields = person.fields.filter((f) => f.name !== 'full_name').reverse();
    const drifted = relation({ oid: 4343 }, fields);
    await sink.relation(drifted);
    const t = tables.entity('person')!;
    expect(t.stopped).toMatch(/full_name/);
    expect(t.idColumn).toBe(fields.length - 1);
    const image = Tuple.fromValues(fields.map((f) => (f.name === 'id' ? 'k9' : 'not-a-key')));
    await sink.change('d', drifted, null, image, at(0x40, 1), 1, 5);
    expect(state.park).toHaveBeenCalledWith('person', 'k9', 'd', '0/40', 1);
  });

  it('stops the table when the mapping finds drift in a change, and parks that change', async () => {
    const { sink, tables, state, router } = setUp();
    await sink.relation(relation());
    router.drift = new ContractDriftError('cand', 'person', 'id', 'the key is not present in the change', '0/30');
    const parked = sink.change('u', relation(), row('k2'), row('k2'), at(0x30), 1, 5);
    expect(parked).not.toBeNull();
    await parked;
    const t = tables.entity('person')!;
    expect(t.binding).toBeNull();
    expect(t.stopped).toBe(router.drift.message);
    expect(state.park).toHaveBeenCalledWith('person', 'k2', 'u', '0/30', 0);
    expect(sink.pending()).toBe(0);
  });

  it('logs a change of a stopped table that carries no key', async () => {
    const { sink, tables, state, errors } = setUp();
    await sink.stopTable(tables.entity('person')!, new ContractDriftError('cand', 'person', '*', 'the table does not exist'));
    sink.bind(relation());
    await sink.change('c', relation(), row(null), null, at(0x40), 1, 5);
    expect(state.park).not.toHaveBeenCalled();
    expect(errors).toHaveBeenLastCalledWith('change of a stopped table has no key to park', { ministry: 'cand', entity: 'person', lsn: '0/40' });
  });

  it('hands the boundary to the producer', async () => {
    const { sink, boundary } = setUp();
    await sink.atBoundary();
    expect(boundary).toHaveBeenCalledTimes(1);
  });
});
