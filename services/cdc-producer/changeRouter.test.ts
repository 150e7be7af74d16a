import { generateKeyPairSync } from 'crypto';
import * as path from 'path';
import { loadAgreementFile, type AgreementDocument, type AgreementState } from '../../libs/agreements';
import { createAvroType } from '../../libs/contracts/avroType';
import { loadContracts } from '../../libs/contracts/contractLoader';
import type { ChangeEvent } from './changeEvent';
import { Relation, Tuple, TupleValue } from '../../libs/pgoutput';
import type { SigningKey } from '../../libs/signing';
import { AgreementHistory } from '../apply-consumer/__fixtures__/agreementHistory';
import { PublicationPlan } from './agreementPlan';
import { ChangeRouter } from './changeRouter';
import { ContractBinding } from './contractBinding';
import { EventEncoder } from './eventEncoder';
import type { ParkedKey } from './producerState';
import { PublishRoute } from './publishRoute';
import { RouteFloors } from './routeFloors';
import { TableStates } from './tableState';

const contracts = loadContracts();
const person = contracts.get('person');
const first = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };
const COMMIT_US = Date.parse('2026-01-15T00:00:00Z') * 1000;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key: SigningKey = { keyId: 'cand-c10-2025', privateKey, publicKey };

/** The person table as PostgreSQL describes it: the contract's columns in contract order. */
const OID: Record<string, number> = { string: 25, uuid: 2950, enum: 16400, json: 3802, boolean: 16, int: 23, long: 20, double: 701, decimal: 1700, date: 1082, timestamp: 1184 };
const relation: Relation = {
  oid: 4242,
  namespace: 'thahs',
  name: 'person',
  replicaIdentity: 'full',
  columns: person.fields.map((f) => ({ name: f.name, isKey: f.name === 'id', flags: 0, typeOid: OID[f.kind], typeMod: -1 })),
};

function row(o: { id: string; military: boolean; name?: string }): Tuple {
  const values: TupleValue[] = person.fields.map((f) => {
    switch (f.name) {
      case 'id':
        return o.id;
      case 'ministry':
        return 'CAND';
      case 'full_name':
        return o.name ?? 'Nguyễn Văn An';
      case 'is_military':
        return o.military ? 't' : 'f';
      case 'date_of_birth':
        return '1990-05-01';
      case 'sex':
        return 'M';
      default:
        if (f.kind === 'enum') return f.symbols![0];
        if (f.kind === 'timestamp') return '2025-01-01 00:00:00+00';
        if (f.kind === 'int') return '1';
        if (f.kind === 'boolean') return 'f';
        return f.nullable ? null : 'x';
    }
  });
  return Tuple.fromValues(values);
}

describe('the per-agreement mapping of a change', () => {
  let doc: AgreementDocument;
  let state: AgreementState;
  let router: ChangeRouter;
  let tables: TableStates;
  const floors = new RouteFloors();
  let signing = true;

  beforeAll(async () => {
    doc = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
    state = new AgreementHistory(doc).confirm(doc, first);
    const plan = PublicationPlan.build([state], 'cand', contracts, 'tp');
    tables = new TableStates(contracts, ['person']);
    const t = tables.entity('person')!;
    t.rebind(relation, new ContractBinding('cand', person, relation));
    tables.track(relation, t);
    router = new ChangeRouter(
      {
        ministry: 'cand',
        sourceEpoch: '7441139201358532123',
        floors,
        compile: (table, _a, rules) => new PublishRoute(rules, table.binding!, EventEncoder.compile(rules.topic, rules.projection.projected, 1, 2), signing ? key : undefined),
      },
      plan,
    );
    router.nowMs = Date.parse('2026-01-15T00:00:01Z');
  });

  function route(op: 'c' | 'u' | 'd', newTuple: Tuple | null, oldTuple: Tuple | null, lsn = 100n): { events: ChangeEvent[]; parked: ParkedKey[] } {
    const table = tables.entity('person')!;
    const events: ChangeEvent[] = [];
    const parked: ParkedKey[] = [];
    router.route({ table, binding: table.binding!, op, newTuple, oldTuple, position: { lsn, index: 0 }, xid: 7, commitTimeUs: COMMIT_US }, events, parked);
    return { events, parked };
  }

  const A = '11111111-1111-4111-8111-111111111111';
  const B = '22222222-2222-4222-8222-222222222222';

  it('publishes a row inside the filter, projected, to the agreement topic, naming the version', () => {
    const { events } = route('c', row({ id: A, military: true }), null);
    expect(events).toHaveLength(1);
    const [e] = events;
    expect(e.route.topic).toBe(`tp.cand.${doc.id}.person`);
    expect(e.meta).toMatchObject({ op: 'c', agreementId: doc.id, agreementVersion: 1, entity: 'person', sourceEpoch: '7441139201358532123' });
    const projected = createAvroType((e.route as PublishRoute).rules.projection.projected.valueSchema);
    const value = projected.fromBuffer(e.value!.subarray(5)) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(doc.data.entities.find((s) => s.entity === 'person')!.fields);
    expect(value.full_name).toBe('Nguyễn Văn An');
  });

  it('publishes nothing for a row outside the filter, and a delete when a row leaves it', () => {
    expect(route('c', row({ id: A, military: false }), null).events).toEqual([]);
    expect(route('u', row({ id: A, military: false, name: 'Khác' }), row({ id: A, military: false })).events).toEqual([]);
    const out = route('u', row({ id: A, military: false }), row({ id: A, military: true })).events;
    expect(out.map((e) => [e.meta.op, e.id, e.value])).toEqual([['d', A, null]]);
    const back = route('u', row({ id: A, military: true }), row({ id: A, military: false })).events;
    expect(back.map((e) => e.meta.op)).toEqual(['u']);
    expect(route('d', null, row({ id: A, military: false })).events).toEqual([]);
    expect(route('d', null, row({ id: A, military: true })).events.map((e) => e.meta.op)).toEqual(['d']);
  });

  it('a changed key: a delete of the old one (if it was inside), an upsert of the new one (if inside)', () => {
    const { events } = route('u', row({ id: B, military: true }), row({ id: A, military: true }));
    expect(events.map((e) => [e.meta.op, e.id])).toEqual([
      ['d', A],
      ['u', B],
    ]);
  });

  it('below a floor nothing is published: a snapshot covers it', () => {
    floors.setRoute(doc.id, 'person', 200n);
    expect(route('c', row({ id: A, military: true }), null, 150n).events).toEqual([]);
    expect(route('c', row({ id: A, military: true }), null, 200n).events).toHaveLength(1);
    floors.setKeys(doc.id, 'person', [A], 300n);
    expect(route('u', row({ id: A, military: true }), row({ id: A, military: true }), 250n).events).toEqual([]);
    expect(route('u', row({ id: B, military: true }), row({ id: B, military: true }), 250n).events).toHaveLength(1);
    floors.dropKeysBelow(300n);
    expect(floors.hasKeyFloors).toBe(false);
  });

  it('without a key held for the provider the change is parked, not published', () => {
    signing = false;
    tables.entity('person')!.resetRoutes();
    const { events, parked } = route('u', row({ id: A, military: true }), row({ id: A, military: true }), 500n);
    expect(events).toEqual([]);
    expect(parked).toEqual([{ agreementId: doc.id, entity: 'person', id: A, lsn: '0/1F4' }]);
    // outside the filter before and after: nothing to remember
    expect(route('u', row({ id: A, military: false }), row({ id: A, military: false }), 501n).parked).toEqual([]);
    signing = true;
    tables.entity('person')!.resetRoutes();
  });

  it('an entity no agreement shares is not looked at', () => {
    expect(router.shares('person')).toBe(true);
    expect(router.shares('penalty')).toBe(false);
  });
});
