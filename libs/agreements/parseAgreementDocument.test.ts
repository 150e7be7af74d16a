import { fixtureContracts, validAgreementInput } from './__fixtures__/agreementFixtures';
import { AgreementValidationError } from './agreementValidationError';
import { parseAgreementDocument, validateAgreementDocument } from './parseAgreementDocument';

type Doc = Record<string, unknown>;

/** Sets a value at a dotted path with [i] indexes; `undefined` deletes the key. */
function setAt(doc: Doc, path: string, value: unknown): Doc {
  const segs = path.split('.').flatMap((s) =>
    s
      .split(/\[(\d+)\]/)
      .filter(Boolean)
      .map((x) => (/^\d+$/.test(x) ? Number(x) : x)),
  );
  let node = doc as Record<string | number, unknown>;
  for (const s of segs.slice(0, -1)) node = node[s] as Record<string | number, unknown>;
  const last = segs[segs.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return doc;
}

function issuesFor(mutations: Record<string, unknown>, withContracts = true): Record<string, string> {
  const doc = validAgreementInput();
  for (const [p, v] of Object.entries(mutations)) setAt(doc, p, v);
  const r = parseAgreementDocument(doc, withContracts ? { contracts: fixtureContracts } : {});
  if (r.ok) return {};
  return Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
}

describe('parseAgreementDocument', () => {
  it('accepts the fixture agreement and returns it typed with checked filters', () => {
    const r = parseAgreementDocument(validAgreementInput(), { contracts: fixtureContracts });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.document.parties.provider.id).toBe('cand.c10');
    expect(r.document.data.entities.map((e) => e.entity)).toEqual(['person', 'judgment']);
    expect(r.filters.get('person')).toMatchObject({ kind: 'compare', op: 'eq', value: true });
    expect(r.document).toEqual(validAgreementInput());
  });

  it('reports every problem at once, each at its own path', () => {
    const issues = issuesFor({
      version: 0,
      'dispatch.date': '2025-02-30',
      'period.validTo': '2025-01-01T00:00:00Z',
      'method.scope': 'some',
      'security.transport': 'SSLv3',
    });
    expect(issues).toEqual({
      version: 'expected a whole number ≥ 1, got the number 0',
      'dispatch.date': '"2025-02-30" is not a valid date: day 30 does not exist in 2025-02 (last day is 28)',
      'period.validTo': 'validTo 2025-01-01T00:00:00Z must be after validFrom 2025-07-01T00:00:00+07:00',
      'method.scope': 'expected one of "full", "partial", got the string "some"',
      'security.transport': 'expected one of "TLSv1.2", "TLSv1.3", got the string "SSLv3"',
    });
  });

  it('rejects what is not a mapping, unknown keys and missing elements', () => {
    expect(parseAgreementDocument([1, 2])).toEqual({ ok: false, issues: [expect.objectContaining({ path: '', message: 'expected a mapping, got a list of 2 items' })] });
    const issues = issuesFor({ storage: undefined, deletions: {}, 'place.sites': undefined, 'parties.provider.nameVI': 'x' });
    expect(issues.storage).toBe('is required but missing');
    expect(issues.deletions).toMatch(/^unknown key "deletions"; expected one of: format, id, version/);
    expect(issues['place.sites']).toBe('is required but missing');
    expect(issues['parties.provider.nameVI']).toBe('unknown key "nameVI"; expected one of: id, ministry, nameVi, nameEn');
  });

  it('checks identity, format and dispatch (Art. 10.3)', () => {
    expect(issuesFor({ format: 'thahs-agreement/2', id: 'x', titleVi: '  ', 'dispatch.number': 125, 'dispatch.channel': 'email' })).toEqual({
      format: 'expected one of "thahs-agreement/1", got the string "thahs-agreement/2"',
      id: '"x" is not an agreement id (3-64 letters, digits, . _ -)',
      titleVi: 'must not be empty',
      'dispatch.number': 'expected a string, got the number 125',
      'dispatch.channel': 'expected one of "official_letter", "internal_fax", got the string "email"',
    });
  });

  it('checks the parties', () => {
    const doc = validAgreementInput();
    const parties = doc.parties as { consumers: unknown[] };
    parties.consumers.push({ id: 'qdnd.cuc-dths', ministry: 'qdnd', nameVi: 'trùng' });
    parties.consumers.push({ id: 'cand.pc10', ministry: 'cand', nameVi: 'cùng bộ' });
    parties.consumers.push({ id: 'cand.x', ministry: 'qdnd', nameVi: 'sai tiền tố' });
    const r = parseAgreementDocument(doc);
    expect(r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        'parties.consumers[1].id: party "qdnd.cuc-dths" appears more than once',
        'parties.consumers[2].ministry: a consumer must belong to the other ministry than the provider (cand); exchange happens between the two databases',
        'parties.consumers[3].id: party id "cand.x" must start with its ministry "qdnd."',
      ]),
    );
    expect(issuesFor({ 'parties.consumers': [] })).toEqual({ 'parties.consumers': 'must list at least 1 item' });
  });

  it('checks element 1 (data) against the contracts', () => {
    expect(
      issuesFor({
        'data.entities[0].fields': ['national_id', 'full_name', 'nickname'],
        'data.entities[1].entity': 'legal_person',
      }),
    ).toEqual({
      'data.entities[0].fields[2]': 'unknown field "nickname" in the contract of person',
      'data.entities[0].fields': 'must include the key field "id" of person, which identifies rows in the partner store',
      'data.entities[1].filter.and[0].field': expect.stringMatching(/^unknown field "judgment_date" in the contract of legal_person; fields are: id, enterprise_code, name$/),
      'data.entities[1].filter.and[1].or[0].field': expect.stringMatching(/^unknown field "civil_obligation_vnd"/),
      'data.entities[1].filter.and[1].or[1].field': expect.stringMatching(/^unknown field "civil_obligation_vnd"/),
      'data.entities[1].fields[1]': 'unknown field "judgment_no" in the contract of legal_person',
      'data.entities[1].fields[2]': 'unknown field "judgment_date" in the contract of legal_person',
      'data.entities[1].fields[3]': 'unknown field "civil_obligation_vnd" in the contract of legal_person',
    });
    expect(issuesFor({ 'data.entities[1].entity': 'court' })).toEqual({ 'data.entities[1].entity': 'no contract for entity "court" in schemas/' });
    expect(issuesFor({ 'data.entities[1].entity': 'person' })['data.entities[1].entity']).toBe('entity "person" is listed twice; give each entity one entry');
    expect(issuesFor({ 'data.entities[0].fields': ['id', 'full_name', 'id'] })['data.entities[0].fields[2]']).toBe('"id" is listed twice');
  });

  it('still checks the other entities when one entry is malformed', () => {
    expect(issuesFor({ 'data.entities[0]': { entity: 'person' }, 'data.entities[1].fields': ['id', 'ghost'] })).toEqual({
      'data.entities[0].fields': 'is required but missing',
      'data.entities[1].fields[1]': 'unknown field "ghost" in the contract of judgment',
    });
  });

  it('refuses an entity the provider does not publish', () => {
    const doc = validAgreementInput();
    setAt(doc, 'parties.provider', { id: 'qdnd.cuc-dths', ministry: 'qdnd', nameVi: 'x' });
    setAt(doc, 'parties.consumers', [{ id: 'cand.c10', ministry: 'cand', nameVi: 'y' }]);
    setAt(doc, 'place.partnerStore', { database: 'cand', schema: 'partner_qdnd' });
    setAt(doc, 'data.entities', [{ entity: 'legal_person', fields: ['id', 'name'] }]);
    setAt(doc, 'security.keys', [
      { party: 'qdnd.cuc-dths', keyIds: ['q1'] },
      { party: 'cand.c10', keyIds: ['c1'] },
    ]);
    const r = parseAgreementDocument(doc, { contracts: fixtureContracts });
    expect(r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['data.entities[0].entity: qdnd does not publish legal_person (publishers: cand)']);
  });

  it('type-checks row filters with precise paths', () => {
    const filter = {
      and: [
        { field: 'is_military', op: 'eq', value: 'yes' },
        { field: 'date_of_birth', op: 'between', low: '1990-01-01', high: '1980-01-01' },
        { field: 'sex', op: 'in', values: ['M', 'W'] },
        { field: 'sex', op: 'lt', value: 'M' },
        { field: 'full_name', op: 'is_null' },
        { field: 'updated_at', op: 'ge', value: '2025-07-01 08:00' },
        { field: 'biometric_refs', op: 'eq', value: '{}' },
        { not: { field: 'prior_convictions', op: 'gt', value: 1.5 } },
        { field: 'row_version', op: 'le', value: '12345678901234567890' },
        { field: 'national_id', op: 'prefix', value: 1 },
        { field: 'residence_province_code', op: 'eq', value: 79 },
        { field: 'reporting_unit_id', op: 'eq', value: 'not-a-uuid' },
        { field: 'date_of_birth', op: 'lt', value: '1990-13-01' },
      ],
    };
    expect(issuesFor({ 'data.entities[0].filter': filter })).toEqual({
      'data.entities[0].filter.and[0].value': 'is_military is a boolean field; got a string of 3 characters (write true or false)',
      'data.entities[0].filter.and[1].high': 'high "1980-01-01" is below low "1990-01-01": the range is empty',
      'data.entities[0].filter.and[2].values[1]': 'a string of 1 character is not a symbol of sex; expected one of M, F, X, UNKNOWN',
      'data.entities[0].filter.and[3].op': 'operator lt does not apply to sex (enum); allowed: eq, ne, in, not_in, is_null, is_not_null',
      'data.entities[0].filter.and[4].op': 'full_name is not nullable in the contract, so is_null is always false',
      'data.entities[0].filter.and[5].value': 'updated_at: the literal is not an ISO 8601 timestamp with an offset, e.g. 2025-07-01T08:00:00+07:00 or 2025-07-01T01:00:00Z',
      'data.entities[0].filter.and[6].op': 'operator eq does not apply to biometric_refs (json); allowed: is_null, is_not_null',
      'data.entities[0].filter.and[7].not.value': 'prior_convictions is a 32-bit integer field; got a number',
      'data.entities[0].filter.and[8].value': 'row_version is a long field; got a string of 20 characters (whole numbers up to ±9007199254740991)',
      'data.entities[0].filter.and[9].value': 'expected a string, got the number 1',
      'data.entities[0].filter.and[10].value': 'residence_province_code is a string field; got a number (quote it)',
      'data.entities[0].filter.and[11].value': 'reporting_unit_id is a uuid field; got a string of 10 characters',
      'data.entities[0].filter.and[12].value': 'date_of_birth: the literal is not a valid date: month 13 does not exist',
    });
  });

  it('checks the structure of row filters even without contracts', () => {
    const filter = {
      or: [
        { field: 'a', op: 'eq' },
        { field: 'b', op: 'like', value: 'x%' },
        { and: [] },
        { not: { field: 'c', op: 'in', values: 'x' } },
        { field: 'd', op: 'eq', value: null },
        { and: [{ field: 'e', op: 'is_null' }], or: [] },
        { op: 'between', low: 1 },
        'field = 1',
      ],
    };
    expect(issuesFor({ 'data.entities[0].filter': filter, 'data.entities[1].filter': undefined }, false)).toEqual({
      'data.entities[0].filter.or[0].value': 'is required but missing',
      'data.entities[0].filter.or[1].op':
        'expected one of "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between", "prefix", "is_null", "is_not_null", got the string "like"',
      'data.entities[0].filter.or[2].and': 'must list at least 1 item',
      'data.entities[0].filter.or[3].not.values': 'expected a list, got the string "x"',
      'data.entities[0].filter.or[4].value': 'null is not a value to compare with; use op is_null or is_not_null',
      'data.entities[0].filter.or[5]': 'a combinator node holds exactly one of and/or/not and nothing else; found keys and, or',
      'data.entities[0].filter.or[6].field': 'is required but missing',
      'data.entities[0].filter.or[6].high': 'is required but missing',
      'data.entities[0].filter.or[7]': 'expected a filter mapping (and/or/not, or field+op), got the string "field = 1"',
    });
  });

  it('bounds the depth of a filter', () => {
    let deep: unknown = { field: 'is_military', op: 'eq', value: true };
    for (let i = 0; i < 40; i++) deep = { not: deep };
    const issues = issuesFor({ 'data.entities[0].filter': deep });
    expect(Object.values(issues)).toEqual(['filter is nested deeper than 32 levels']);
  });

  it('checks decimals against precision and scale', () => {
    const f = (value: unknown): Record<string, string> => issuesFor({ 'data.entities[1].filter': { field: 'court_fee_vnd', op: 'gt', value } });
    expect(f('12.345')).toEqual({ 'data.entities[1].filter.value': 'the literal has 3 decimal places; court_fee_vnd has scale 2' });
    expect(f('12345678901.5')).toEqual({
      'data.entities[1].filter.value': 'the literal has 11 integer digits; court_fee_vnd (decimal(12,2)) allows 10',
    });
    expect(f('1e5')).toEqual({ 'data.entities[1].filter.value': 'court_fee_vnd: a string of 3 characters that is not a decimal such as "-1234.50"' });
    expect(f(1e-7)).toEqual({ 'data.entities[1].filter.value': 'court_fee_vnd: the number cannot be written exactly without an exponent; quote the decimal as text' });
    expect(f(-12.5)).toEqual({});
    expect(f('-0012.50')).toEqual({});
  });

  it('checks element 2 (place): partner store in the consumers database, schema partner_<provider>', () => {
    expect(issuesFor({ 'place.partnerStore.database': 'cand' })).toEqual({
      'place.partnerStore.database': "the partner store must be in the consumers' database, not the provider's (cand)",
    });
    expect(issuesFor({ 'place.partnerStore.schema': 'partner_qdnd' })).toEqual({
      'place.partnerStore.schema': 'data received from cand goes to schema partner_cand (or partner_cand_<suffix>), not partner_qdnd',
    });
    expect(issuesFor({ 'place.partnerStore.schema': 'public; drop table x' })).toEqual({
      'place.partnerStore.schema': '"public; drop table x" is not a partner schema name such as partner_cand',
    });
    expect(issuesFor({ 'place.partnerStore.schema': 'partner_cand_c10' })).toEqual({});
  });

  it('checks element 3 (period): offsets required, order', () => {
    expect(issuesFor({ 'period.validFrom': '2025-07-01' })).toEqual({
      'period.validFrom': '"2025-07-01" is not an ISO 8601 timestamp with an offset, e.g. 2025-07-01T08:00:00+07:00 or 2025-07-01T01:00:00Z',
    });
    expect(issuesFor({ 'period.validTo': '2025-06-30T17:00:00Z' })).toEqual({
      'period.validTo': 'validTo 2025-06-30T17:00:00Z must be after validFrom 2025-07-01T00:00:00+07:00',
    });
  });

  it('checks element 4 (method) and its agreement with the filters', () => {
    expect(issuesFor({ 'method.scope': 'full' })).toEqual({
      'data.entities[0].filter': 'method.scope is "full" (every row), so no row filter is allowed; use scope "partial"',
      'data.entities[1].filter': 'method.scope is "full" (every row), so no row filter is allowed; use scope "partial"',
    });
    const whole = {
      'data.entities': [{ entity: 'legal_person', fields: ['id', 'enterprise_code', 'name'] }],
    };
    expect(issuesFor(whole)).toEqual({ 'method.scope': 'is "partial" but every entity is shared whole (all fields, no filter); use "full"' });
    expect(issuesFor({ ...whole, 'method.scope': 'full' })).toEqual({});
    expect(issuesFor({ 'method.initialSnapshot': 'yes', 'method.transport': 'batch' })).toEqual({
      'method.initialSnapshot': 'expected true or false, got the string "yes"',
      'method.transport': 'expected one of "streaming", got the string "batch"',
    });
  });

  it('checks elements 5-7 (processing, conditions, commitments)', () => {
    expect(
      issuesFor({
        'processing.republish': true,
        'processing.derivedDataAllowed': undefined,
        'conditions.purposes': [{ code: 'stats', description: 'x' }, { code: 'STATS' }],
        'conditions.restrictions': [],
        commitments: ['ok', ''],
      }),
    ).toEqual({
      'processing.republish': "must be false: received data is never re-published as the receiver's own (Art. 3.2)",
      'processing.derivedDataAllowed': 'is required but missing',
      'conditions.purposes[0].code': '"stats" is not an UPPER_SNAKE purpose code',
      'conditions.purposes[1].description': 'is required but missing',
      'conditions.restrictions': 'must list at least 1 item',
      'commitments[1]': 'must not be empty',
    });
    expect(
      issuesFor({
        'conditions.purposes': [
          { code: 'STATS', description: 'a' },
          { code: 'STATS', description: 'b' },
        ],
      }),
    ).toEqual({ 'conditions.purposes[1].code': 'purpose STATS is listed twice' });
  });

  it('checks element 8 (security): algorithms and a key for every party', () => {
    expect(
      issuesFor({
        'security.signature': 'RSA',
        'security.keys': [
          { party: 'cand.c10', keyIds: ['k1'] },
          { party: 'qdnd.other', keyIds: ['k2'] },
          { party: 'cand.c10', keyIds: ['k3'] },
        ],
      }),
    ).toEqual({
      'security.signature': 'expected one of "Ed25519", got the string "RSA"',
      'security.keys[1].party': '"qdnd.other" is not a party of this agreement (parties: cand.c10, qdnd.cuc-dths)',
      'security.keys[2].party': 'party cand.c10 has two key entries; list all its key ids in one',
      'security.keys': 'party qdnd.cuc-dths has no key id; every party signs with a listed key',
    });
    expect(
      issuesFor({
        'security.keys': [
          { party: 'cand.c10', keyIds: ['k1'] },
          { party: 'qdnd.cuc-dths', keyIds: ['k1', 'bad key'] },
        ],
      }),
    ).toEqual({
      'security.keys[1].keyIds[0]': 'key k1 is already listed for cand.c10; a key belongs to one party',
      'security.keys[1].keyIds[1]': '"bad key" is not a key id',
    });
  });

  it('checks elements 9-10 (storage, deletion)', () => {
    expect(issuesFor({ 'storage.receivedRetention': '5 years', 'storage.derivedRetention': 'P' })).toEqual({
      'storage.receivedRetention': '"5 years" is not an ISO 8601 duration such as P5Y, P6M, P30D or PT12H, or "until_end"',
      'storage.derivedRetention': '"P" is not an ISO 8601 duration such as P5Y, P6M, P30D or PT12H, or "until_end"',
    });
    expect(issuesFor({ 'deletion.method': 'anonymise' })).toEqual({
      'deletion.anonymiseFields': 'is required when method is "anonymise": name, per entity, the fields to clear',
    });
    expect(issuesFor({ 'deletion.anonymiseFields': { person: ['full_name'] } })).toEqual({
      'deletion.anonymiseFields': 'only applies when method is "anonymise"',
    });
    expect(
      issuesFor({
        'deletion.method': 'anonymise',
        'deletion.anonymiseFields': { person: ['id', 'full_name', 'sex'], court: ['name'] },
        'deletion.afterEnd': '30 days',
      }),
    ).toEqual({
      'deletion.afterEnd': '"30 days" is not an ISO 8601 duration such as P5Y, P6M, P30D or PT12H',
      'deletion.anonymiseFields.person[2]': 'field "sex" is not in the projection of person; only received fields can be anonymised',
      'deletion.anonymiseFields.court': 'entity "court" is not shared by this agreement (data.entities)',
    });
    expect(issuesFor({ 'deletion.method': 'anonymise', 'deletion.anonymiseFields': { person: ['id', 'full_name'] } })).toEqual({
      'deletion.anonymiseFields.person[0]': '"id" is a key field of person; keys cannot be anonymised',
    });
    expect(issuesFor({ 'deletion.method': 'anonymise', 'deletion.anonymiseFields': { person: ['full_name', 'national_id'] } })).toEqual({});
  });

  it('throws an AgreementValidationError naming the agreement and listing the problems', () => {
    const doc = setAt(validAgreementInput(), 'version', 'one');
    expect(() => validateAgreementDocument(doc)).toThrow(AgreementValidationError);
    expect(() => validateAgreementDocument(doc)).toThrow('agreement TTDL-CAND-QDND-2025-01: 1 problem\n  version: expected a whole number ≥ 1, got the string "one"');
  });
});
