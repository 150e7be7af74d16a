import { generateKeyPairSync, randomUUID } from 'crypto';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { projectValueSchema } from '../../libs/contracts/projectedContract';
import { encodeEnvelope, encodeMeta, EventMeta, H, parseEnvelope } from '../../libs/events';
import { EventVerifier, SigningKey } from '../../libs/signing';
import { encodeRecord, sampleRecord, signEvents, TestEvent, wire } from './__fixtures__/signedEvents';
import type { RawEvent } from './deadLetterMessage';
import { Assessment, EventAssessor } from './eventAssessor';
import { classifyFailure, EventRejection, isRowDataError } from './eventRejection';
import type { AppliedPolicy, DeclaredPolicy, PolicyResolver } from './policyResolver';
import { RegistryUnavailableError, SchemaLookup, SchemaNotFoundError } from './schemaSource';
import { WireDecoder } from './wireDecoder';
import { EVENT_LIMITS } from './eventLimits';
import { murmur2 } from '../../libs/kafka/keyPartitioner';

const contracts = loadContracts();
const person = contracts.get('person');
const judgment = contracts.get('judgment');
const all = (c: typeof person): string[] => c.fields.map((f) => f.name);
const personValue = projectValueSchema(person, all(person));
const SCHEMAS: Record<number, SchemaLookup> = {
  1: { schema: person.keySchema },
  2: { schema: personValue },
  3: { schema: projectValueSchema(judgment, all(judgment)) },
  4: { unusable: 'a PROTOBUF schema, not Avro' },
  // The contract as written (required fields outside unions) is not what an agreement topic carries.
  5: { schema: person.valueSchema },
  // Same record name and field names, two fields' places swapped: the bytes would decode to other values.
  6: { schema: { ...personValue, fields: swapped(personValue.fields as Record<string, unknown>[], 'full_name', 'other_names') } },
  7: { schema: projectValueSchema(person, ['full_name', 'is_military']) },
};

function swapped(fields: Record<string, unknown>[], a: string, b: string): Record<string, unknown>[] {
  const i = fields.findIndex((f) => f.name === a);
  const j = fields.findIndex((f) => f.name === b);
  const out = [...fields];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

function signingKey(keyId: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}
const trusted = signingKey('cand-c10-2025');
const spare = signingKey('cand-spare-2025');
const forger = signingKey('cand-forged-2025');

const policy: AppliedPolicy = {
  agreementId: 'TTDL-TEST',
  version: 3,
  fields: ['id', 'full_name', 'is_military'],
  predicate: (r) => r.is_military === true,
  providerKeyIds: [trusted.keyId],
};

function assessor(resolver: PolicyResolver = { resolve: () => policy }, source = async (id: number) => SCHEMAS[id] ?? null): EventAssessor {
  const ring = new Map([trusted, spare].map((k) => [k.keyId, k.publicKey]));
  return new EventAssessor({
    provider: 'cand',
    agreementId: 'TTDL-TEST',
    topicPrefix: 'tp',
    contracts,
    verifier: new EventVerifier((id) => ring.get(id)),
    decoder: new WireDecoder(source),
    policy: resolver,
  });
}

let lsn = 100n;
function meta(op: EventMeta['op'], entity = 'person'): EventMeta {
  return {
    op,
    position: { lsn: lsn++, index: 0 },
    xid: 7,
    commitTs: 1_764_201_600_000_000,
    ministry: 'cand',
    entity,
    agreementId: 'TTDL-TEST',
    agreementVersion: 3,
    sourceEpoch: '7441139201358532123',
  };
}

function personEvent(
  record: Record<string, unknown> | null,
  opts: { key?: SigningKey; op?: EventMeta['op']; valueSchemaId?: number; id?: string; fields?: readonly string[]; meta?: Partial<EventMeta> } = {},
): TestEvent {
  const id = opts.id ?? (record?.id as string | undefined) ?? randomUUID();
  const { key, value } = encodeRecord(person, 1, opts.valueSchemaId ?? 2, record, id, opts.fields);
  return signEvents([{ topic: 'tp.cand.TTDL-TEST.person', key, value, meta: { ...meta(opts.op ?? (record ? 'u' : 'd')), ...opts.meta } }], opts.key ?? trusted)[0];
}

const raw = (e: TestEvent, offset = '0'): RawEvent => ({ topic: e.topic, partition: 0, offset, key: e.key, value: e.value, headers: e.headers });

async function reasonOf(e: TestEvent, a = assessor()): Promise<string> {
  const r: Assessment = await a.assess(raw(e));
  return r.kind === 'dead-letter' ? r.reason : r.kind;
}

describe('event assessment and dead-letter classification', () => {
  it('applies a valid event with the projection only', async () => {
    const rec = sampleRecord(person, { is_military: true, full_name: 'Nguyễn Văn An' });
    const r = await assessor().assess(raw(personEvent(rec)));
    expect(r.kind).toBe('change');
    if (r.kind !== 'change') return;
    expect(r.change.row).toEqual({ id: rec.id, full_name: 'Nguyễn Văn An', is_military: true });
    expect(r.change).toMatchObject({ entity: 'person', id: rec.id, op: 'u', agreementId: 'TTDL-TEST', agreementVersion: 3, signedBy: trusted.keyId });
  });

  it('turns a state outside the filter, and a tombstone, into a removal', async () => {
    const outside = await assessor().assess(raw(personEvent(sampleRecord(person, { is_military: false }))));
    expect(outside.kind === 'change' && outside.change.row).toBeNull();
    const tomb = await assessor().assess(raw(personEvent(null, { op: 'd' })));
    expect(tomb.kind === 'change' && tomb.change.row).toBeNull();
  });

  it('withholds when no agreement is in force, without reading the policy further', async () => {
    expect(await reasonOf(personEvent(sampleRecord(person)), assessor({ resolve: () => null }))).toBe('withheld');
  });

  it('refuses a signature by an unknown key, and an altered event', async () => {
    expect(await reasonOf(personEvent(sampleRecord(person), { key: forger }))).toBe('unknown-key');
    const e = personEvent(sampleRecord(person));
    const value = Buffer.from(e.value!);
    value[value.length - 1] ^= 1;
    expect(await reasonOf({ ...e, value })).toBe('bad-signature');
    const { signature, path } = parseEnvelope(e.headers);
    const otherOp = encodeMeta({ ...meta('u'), op: 'c' }, trusted.keyId);
    expect(await reasonOf({ ...e, headers: { [H.event]: encodeEnvelope(otherOp, signature, path) } })).toBe('bad-signature');
    expect(await reasonOf({ ...e, headers: { [H.event]: otherOp } })).toBe('missing-proof');
    expect(await reasonOf({ ...e, headers: {} })).toBe('missing-proof');
  });

  it('assesses a chunk with one schema lookup per id, and never looks up ids that forged events name', async () => {
    const asked: number[] = [];
    const a = assessor(undefined, async (id) => {
      asked.push(id);
      return SCHEMAS[id] ?? null;
    });
    const good = [personEvent(sampleRecord(person)), personEvent(sampleRecord(person)), personEvent(null, { op: 'd' })];
    const forged = personEvent(sampleRecord(person), { key: forger, valueSchemaId: 77 });
    const results = await a.assessAll([good[0], forged, good[1], good[2]].map((e, i) => raw(e, String(i))));
    expect(results.map((r) => (r.kind === 'dead-letter' ? r.reason : r.kind))).toEqual(['change', 'unknown-key', 'change', 'change']);
    expect(asked.sort()).toEqual([1, 2]);
  });

  it('refuses a trusted key the agreement version does not list', async () => {
    expect(await reasonOf(personEvent(sampleRecord(person), { key: spare }))).toBe('key-not-in-agreement');
  });

  it('refuses malformed or inconsistent headers, even when signed', async () => {
    const id = randomUUID();
    const { key, value } = encodeRecord(person, 1, 2, sampleRecord(person, { id }), id);
    const signed = (m: EventMeta, metaOverride?: Buffer) => signEvents([{ topic: 'tp.cand.TTDL-TEST.person', key, value, meta: m, metaOverride }], trusted)[0];
    const good = encodeMeta(meta('u'), trusted.keyId);
    const cut = signed(meta('u'));
    expect(await reasonOf({ ...cut, headers: { [H.event]: good.subarray(0, good.length - 2) } })).toBe('bad-header');
    // Cut short in front of its proof, the meta reads on into the signature (its last fields, run and seq
    // of meta version 2, take signature bytes): either what it reads there is no meta, or what follows
    // is no longer a proof — refused either way, which of the two depends on the signature's bytes.
    expect(['bad-header', 'malformed-proof']).toContain(await reasonOf(signed(meta('u'), good.subarray(0, good.length - 2))));
    expect(await reasonOf(signed(meta('u'), Buffer.from('thahs.op=u')))).toBe('bad-header');
    const wrongId = Buffer.from(good.toString('latin1').replace(':0/', ':1/'), 'latin1');
    expect(await reasonOf(signed(meta('u'), wrongId))).toBe('bad-header');
    expect(await reasonOf(signed({ ...meta('u'), entity: 'judgment' }))).toBe('invalid-event');
    expect(await reasonOf(signed({ ...meta('u'), ministry: 'qdnd' }))).toBe('wrong-ministry');
  });

  it("refuses garbage, unknown schema ids and another entity's schema", async () => {
    const id = randomUUID();
    const { key } = encodeRecord(person, 1, 2, null, id);
    const sign = (value: Buffer | null, op: EventMeta['op'] = 'u') => signEvents([{ topic: 'tp.cand.TTDL-TEST.person', key, value, meta: meta(op) }], trusted)[0];
    expect(await reasonOf(sign(Buffer.from('not avro at all')))).toBe('undecodable');
    expect(await reasonOf(sign(wire(2, Buffer.from([0xff, 0xff, 0xff]))))).toBe('undecodable');
    // an id the registry does not know: the registry's fault, not the (authentic) event's — retried, not dead-lettered
    await expect(assessor().assess(raw(sign(wire(99, Buffer.alloc(10)))))).rejects.toBeInstanceOf(SchemaNotFoundError);
    expect(await reasonOf(sign(wire(4, Buffer.alloc(10))))).toBe('wrong-schema');
    const j = sampleRecord(judgment, { id });
    const { value: judgmentValue } = encodeRecord(judgment, 1, 3, j, id);
    expect(await reasonOf(sign(judgmentValue))).toBe('wrong-schema');
    // a key encoded with the value schema id
    const valueAsKey = encodeRecord(person, 1, 2, sampleRecord(person, { id }), id).value!;
    const [e] = signEvents([{ topic: 'tp.cand.TTDL-TEST.person', key: valueAsKey, value: null, meta: meta('d') }], trusted);
    expect(await reasonOf(e)).toBe('wrong-schema');
  });

  it('refuses inconsistent events: value id ≠ key id, op and value disagreeing, a foreign topic', async () => {
    const rec = sampleRecord(person);
    expect(await reasonOf(personEvent(rec, { id: randomUUID() }))).toBe('invalid-event');
    expect(await reasonOf(personEvent(rec, { op: 'd' }))).toBe('invalid-event');
    expect(await reasonOf(personEvent(null, { op: 'u' }))).toBe('invalid-event');
    const e = personEvent(rec);
    expect(await reasonOf({ ...e, topic: 'tp.qdnd.TTDL-TEST.person' })).toBe('invalid-event');
    // Signed for another agreement's topic: the signature covers the topic, and the meta names the agreement.
    expect(await reasonOf({ ...e, topic: 'tp.cand.TTDL-OTHER.person' })).toBe('invalid-event');
  });

  it('pins writer schemas to the contract: the contract as written, or a swapped layout under the same names, is wrong-schema', async () => {
    const rec = sampleRecord(person);
    expect(await reasonOf(personEvent(rec, { valueSchemaId: 5 }))).toBe('wrong-schema');
    expect(await reasonOf(personEvent(rec, { valueSchemaId: 6 }))).toBe('wrong-schema');
    // A projection over fewer fields is a pinned schema of its own.
    expect(await reasonOf(personEvent(sampleRecord(person, { is_military: true }), { valueSchemaId: 7, fields: ['full_name', 'is_military'] }))).toBe('change');
  });

  it('dead-letters a field or a row the version the event names does not share (policy violation)', async () => {
    const declared: DeclaredPolicy = {
      agreementId: 'TTDL-TEST',
      version: 3,
      fields: ['id', 'full_name', 'is_military'],
      predicate: (r) => r.is_military === true,
      filterFields: ['is_military'],
    };
    const strict: PolicyResolver = { resolve: () => policy, declared: (_p, _e, v) => (v === 3 ? declared : null) };
    const a = assessor(strict);
    const within = personEvent(sampleRecord(person, { is_military: true }), { valueSchemaId: 7, fields: ['full_name', 'is_military'] });
    expect(await reasonOf(within, a)).toBe('change');
    // every contract field: more than version 3 shares
    expect(await reasonOf(personEvent(sampleRecord(person, { is_military: true })), a)).toBe('policy-violation');
    // inside the projection, outside the filter
    expect(await reasonOf(personEvent(sampleRecord(person, { is_military: false }), { valueSchemaId: 7, fields: ['full_name', 'is_military'] }), a)).toBe('policy-violation');
    // a version that was never confirmed
    expect(
      await reasonOf(personEvent(sampleRecord(person, { is_military: true }), { valueSchemaId: 7, fields: ['full_name', 'is_military'], meta: { agreementVersion: 9 } }), a),
    ).toBe('policy-violation');
    // a delete carries no value: nothing to violate
    expect(await reasonOf(personEvent(null, { op: 'd' }), a)).toBe('change');
  });

  it('applies a removal committed while the agreement was suspended, and withholds an upsert', async () => {
    const suspended: PolicyResolver = { resolve: () => null, resolveRemoval: () => policy };
    const tomb = await assessor(suspended).assess(raw(personEvent(null, { op: 'd' })));
    expect(tomb.kind === 'change' && tomb.change.row).toBeNull();
    expect(await reasonOf(personEvent(sampleRecord(person, { is_military: true })), assessor(suspended))).toBe('withheld');
  });

  it('refuses a key no longer listed in the version in force now, whatever the commit time the signer chose', async () => {
    const revoked: PolicyResolver = { resolve: () => policy, keyAllowedNow: () => false };
    expect(await reasonOf(personEvent(sampleRecord(person, { is_military: true })), assessor(revoked))).toBe('key-not-in-agreement');
    const current: PolicyResolver = { resolve: () => policy, keyAllowedNow: (_p, k) => k === trusted.keyId };
    expect(await reasonOf(personEvent(sampleRecord(person, { is_military: true })), assessor(current))).toBe('change');
  });

  it('refuses an authentic event on a partition its key does not map to', async () => {
    const ring = new Map([trusted].map((k) => [k.keyId, k.publicKey]));
    const a = new EventAssessor({
      provider: 'cand',
      agreementId: 'TTDL-TEST',
      topicPrefix: 'tp',
      contracts,
      verifier: new EventVerifier((id) => ring.get(id)),
      decoder: new WireDecoder(async (id: number) => SCHEMAS[id] ?? null),
      policy: { resolve: () => policy },
      partitionsOf: () => 3,
    });
    const e = personEvent(sampleRecord(person, { is_military: true }));
    const home = (murmur2(e.key) & 0x7fffffff) % 3;
    expect((await a.assess({ ...raw(e), partition: home })).kind).toBe('change');
    const r = await a.assess({ ...raw(e), partition: (home + 1) % 3 });
    expect(r.kind === 'dead-letter' && [r.reason, r.detail]).toEqual(['invalid-event', `on partition ${(home + 1) % 3}, but its key belongs to partition ${home} of 3`]);
  });

  it('refuses oversize events before verifying anything', async () => {
    const e = personEvent(sampleRecord(person));
    expect(await reasonOf({ ...e, value: Buffer.alloc(EVENT_LIMITS.valueBytes + 1) })).toBe('oversize');
    expect(await reasonOf({ ...e, headers: { ...e.headers, a: 'x', b: 'y', c: 'z', d: 'w' } })).toBe('oversize');
    expect((await assessor().assess({ ...raw(e), headersDropped: 299_968 })).kind).toBe('dead-letter');
  });

  it('dead-letters a record the filter cannot evaluate', async () => {
    const throwing: PolicyResolver = {
      resolve: () => ({
        ...policy,
        predicate: () => {
          throw new RangeError('not canonical');
        },
      }),
    };
    expect(await reasonOf(personEvent(sampleRecord(person)), assessor(throwing))).toBe('filter-error');
  });

  it('does not dead-letter when the registry is unreachable: the failure propagates', async () => {
    const down = async (id: number): Promise<SchemaLookup> => {
      throw new RegistryUnavailableError('http://registry', id, 'ECONNREFUSED');
    };
    await expect(assessor(undefined, down).assess(raw(personEvent(sampleRecord(person))))).rejects.toBeInstanceOf(RegistryUnavailableError);
  });

  it('classifies only failures of the event itself', () => {
    expect(classifyFailure(new EventRejection('undecodable', 'x'))).toEqual({ reason: 'undecodable', detail: 'x' });
    expect(classifyFailure(new Error('connection reset'))).toBeNull();
    expect(isRowDataError(Object.assign(new Error('bad json'), { code: '22P02' }))).toBe(true);
    expect(isRowDataError(Object.assign(new Error('server closed'), { code: '57P01' }))).toBe(false);
    expect(isRowDataError(new Error('no code'))).toBe(false);
  });
});
