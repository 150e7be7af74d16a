import type { EntityContract } from '../contracts/contractTypes';
import { loadContracts } from '../contracts/contractLoader';
import { changeParams, deleteStatement, upsertStatement } from './applySql';
import { columnType } from './columnKinds';
import { DEAD_LETTER_INSERT, deadLetterParams } from './deadLetterSql';
import { entityTableDdl, partnerSchemaDdl, tableFields } from './partnerTables';
import { PartnerStoreError } from './partnerStoreError';
import { checkPartnerSchema, quoteIdent } from './sqlNames';
import { STATE_SCHEMA_DDL } from './stateSchema';
import type { StoreChange } from './storeTypes';

const contracts = loadContracts();
const judgment = contracts.get('judgment');
const person = contracts.get('person');

const change = (id: string, row: StoreChange['row'], lsn = 0x1_0000_0010n, index = 2): StoreChange => ({
  entity: 'judgment',
  id,
  position: { lsn, index },
  op: row ? 'u' : 'd',
  eventId: `cand:1/10:${index}`,
  commitTsUs: 1_764_201_600_123_456,
  agreementId: 'A-1',
  agreementVersion: 2,
  signedBy: 'cand-c10-2025',
  row,
});

describe('partner store names', () => {
  it('accepts partner_<provider>[_suffix] only, never the receiver schema or the bookkeeping schema', () => {
    expect(checkPartnerSchema('partner_cand', 'cand')).toBe('partner_cand');
    expect(checkPartnerSchema('partner_cand_hn', 'cand')).toBe('partner_cand_hn');
    for (const bad of ['thahs', 'partner_state', 'partner_qdnd', 'partner_cand;drop', 'PARTNER_CAND', 'partner_cand_', 'public']) {
      expect(() => checkPartnerSchema(bad, 'cand')).toThrow(PartnerStoreError);
    }
  });

  it('quotes only plain identifiers', () => {
    expect(quoteIdent('person')).toBe('"person"');
    expect(() => quoteIdent('a"b')).toThrow(PartnerStoreError);
    expect(() => quoteIdent('Person')).toThrow(PartnerStoreError);
  });
});

describe('partner table DDL', () => {
  it('creates only the agreed fields, typed from the contract, plus the metadata columns', () => {
    const cols = tableFields(judgment, ['judgment_no', 'judgment_date', 'civil_obligation_vnd', 'updated_at']);
    expect(cols.map((c) => c.name)).toEqual(['id', 'judgment_no', 'judgment_date', 'civil_obligation_vnd', 'updated_at']);
    const ddl = entityTableDdl('partner_cand', judgment, cols).join(';\n');
    expect(ddl).toContain('CREATE TABLE IF NOT EXISTS "partner_cand"."judgment"');
    expect(ddl).toMatch(/_source_lsn pg_lsn NOT NULL/);
    expect(ddl).toContain('ADD COLUMN IF NOT EXISTS "judgment_date" date');
    expect(ddl).toContain('ADD COLUMN IF NOT EXISTS "civil_obligation_vnd" numeric(18, 0)');
    expect(ddl).toContain('ADD COLUMN IF NOT EXISTS "updated_at" timestamptz');
    expect(ddl).not.toContain('court_fee_vnd');
    expect(ddl).not.toMatch(/"thahs"/);
    expect(partnerSchemaDdl('partner_cand').join('\n')).toContain('"partner_cand"."_tombstone"');
  });

  it('maps every contract kind to its column type', () => {
    const kinds = Object.fromEntries(person.fields.map((f) => [f.name, columnType(f)]));
    expect(kinds).toMatchObject({
      id: 'uuid',
      full_name: 'text',
      sex: 'text',
      date_of_birth: 'date',
      is_military: 'boolean',
      biometric_refs: 'jsonb',
      prior_convictions: 'integer',
      updated_at: 'timestamptz',
    });
  });

  it('refuses fields outside the contract and contracts whose key is not a single uuid id', () => {
    expect(() => tableFields(judgment, ['nope'])).toThrow(/not in the contract/);
    const odd: EntityContract = { ...judgment, keyFields: ['judgment_no'] };
    expect(() => tableFields(odd, [])).toThrow(/single field id/);
  });

  it('grants every partner table to the pgaudit role of the server, when there is one, so reads of it are audited', () => {
    const table = entityTableDdl('partner_cand', judgment, tableFields(judgment, ['judgment_no'])).at(-1)!;
    expect(table).toContain("current_setting('pgaudit.role', true)");
    expect(table).toContain(`format('GRANT SELECT ON %s TO %I', 'TABLE "partner_cand"."judgment"', auditor)`);
    expect(partnerSchemaDdl('partner_cand').at(-1)).toContain(`'ALL TABLES IN SCHEMA "partner_cand"'`);
  });

  it('upgrades the access log for collected reads: source, application, a unique audit reference, and the read position', () => {
    const ddl = STATE_SCHEMA_DDL.join('\n');
    expect(ddl).toContain(`ALTER TABLE "partner_state".access_log ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'tool'`);
    expect(ddl).toContain(`ALTER TABLE "partner_state".access_log ADD COLUMN IF NOT EXISTS audit_ref text`);
    expect(ddl).toContain(`CREATE UNIQUE INDEX IF NOT EXISTS access_log_audit_ref ON "partner_state".access_log (audit_ref)`);
    expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS "partner_state".access_audit_position`);
  });

  it('keeps both logs append-only', () => {
    const ddl = STATE_SCHEMA_DDL.join('\n');
    for (const t of ['update_log', 'access_log']) {
      expect(ddl).toContain(`BEFORE UPDATE OR DELETE ON "partner_state".${t}`);
      expect(ddl).toContain(`BEFORE TRUNCATE ON "partner_state".${t}`);
      expect(ddl).toContain(`REVOKE UPDATE, DELETE, TRUNCATE ON "partner_state".${t} FROM PUBLIC`);
    }
  });
});

describe('set-based apply statements', () => {
  const cols = tableFields(judgment, ['judgment_no', 'judgment_date', 'civil_obligation_vnd', 'updated_at']);

  it('upserts through unnest with one array per column, converting dates and timestamps exactly', () => {
    const s = upsertStatement('partner_cand', 'judgment', cols);
    expect(s.name).toMatch(/^thahs_apply_upsert_[0-9a-f]{20}$/);
    expect(s.text).toContain(
      'unnest($1::uuid[], $2::pg_lsn[], $3::integer[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::integer[], $9::text[], $12::text[], $13::integer[], $14::numeric[], $15::bigint[])',
    );
    expect(s.text).toContain(`(DATE '1970-01-01' + f.c2)`);
    expect(s.text).toContain(`(TIMESTAMPTZ 'epoch' + f.c4 * INTERVAL '1 microsecond')`);
    // newer than the stored row and than any tombstone of the key, and logged
    expect(s.text).toContain('WHERE (p._source_lsn, p._source_index) < (EXCLUDED._source_lsn, EXCLUDED._source_index)');
    expect(s.text).toContain('(t.lsn, t.idx) >= (i.m_lsn, i.m_idx)');
    expect(s.text).toContain('INSERT INTO "partner_state".update_log');
    // same input, same statement (one prepared plan per connection)
    expect(upsertStatement('partner_cand', 'judgment', cols)).toEqual(s);
    expect(upsertStatement('partner_cand', 'judgment', cols.slice(0, 3)).name).not.toBe(s.name);
  });

  it('deletes with a tombstone that only moves forward', () => {
    const s = deleteStatement('partner_cand', 'judgment');
    expect(s.text).toContain('unnest($1::uuid[], $2::pg_lsn[], $3::integer[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::integer[], $9::text[])');
    expect(s.text).toContain('ON CONFLICT (entity, id) DO UPDATE');
    expect(s.text).toContain('WHERE (t.lsn, t.idx) < (EXCLUDED.lsn, EXCLUDED.idx)');
    expect(s.text).toContain(`'delete'`);
  });

  it('lays the batch out as array literals, nulls for fields the projection lacks', () => {
    const a = change('0b7c5a52-5d5e-4a8e-9b7a-2f1f0c3d4e5f', {
      id: '0b7c5a52-5d5e-4a8e-9b7a-2f1f0c3d4e5f',
      judgment_no: '12/2025/HS-ST',
      judgment_date: 20_150,
      civil_obligation_vnd: '-15000000',
    });
    const b = change('1c8d6b63-6e6f-4b9f-8c8b-3a2a1d4e5f60', null, 0x2_0000_0000n, 0);
    const params = changeParams('cand', 'judgment', [a, b], cols);
    expect(params.slice(0, 11)).toEqual([
      `{"${a.id}","${b.id}"}`,
      '{"1/10","2/0"}',
      '{"2","0"}',
      '{"u","d"}',
      '{"cand:1/10:2","cand:1/10:0"}',
      '{"1764201600123456","1764201600123456"}',
      '{"A-1","A-1"}',
      '{"2","2"}',
      '{"cand-c10-2025","cand-c10-2025"}',
      'cand',
      'judgment',
    ]);
    expect(params.slice(11)).toEqual(['{"12/2025/HS-ST",NULL}', '{"20150",NULL}', '{"-15000000",NULL}', '{NULL,NULL}']);
    expect(() => changeParams('cand', 'person', [a], cols)).toThrow(/a change of judgment in a batch of person/);
  });

  it('records dead letters once per Kafka position', () => {
    expect(DEAD_LETTER_INSERT.text).toContain('ON CONFLICT (agreement_id, topic, kafka_partition, kafka_offset) DO NOTHING');
    const p = deadLetterParams({ receiver: 'qdnd', provider: 'cand', agreementId: 'A-1', consumerGroup: 'g' }, [
      {
        reason: 'bad-signature',
        detail: 'd',
        topic: 't',
        partition: 1,
        offset: '42',
        entity: 'person',
        key: Buffer.from([1]),
        value: null,
        valueDigest: 'ab12',
        headers: { 'thahs.op': 'u', 'thahs.sig': { base64: 'AA==' } },
      },
    ]);
    expect(p.slice(0, 4)).toEqual(['qdnd', 'cand', 'A-1', 'g']);
    expect(p[12]).toEqual(['{"thahs.op":"u","thahs.sig":{"base64":"AA=="}}']);
    expect(p[13]).toEqual(['ab12']);
  });
});
