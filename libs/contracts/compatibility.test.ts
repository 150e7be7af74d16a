import * as fs from 'fs';
import * as path from 'path';
import { checkBackwardCompatible } from './compatibility';
import { DEFAULT_SCHEMA_DIR } from './contractLoader';

type Field = { name: string; type: unknown; default?: unknown; [k: string]: unknown };
type Schema = { fields: Field[]; [k: string]: unknown };

function personSchema(): Schema {
  return JSON.parse(fs.readFileSync(path.join(DEFAULT_SCHEMA_DIR, 'person.value.avsc'), 'utf8')) as Schema;
}

function field(s: Schema, name: string): Field {
  const f = s.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

describe('checkBackwardCompatible (Confluent BACKWARD: the new schema reads old data)', () => {
  it('finds nothing between identical schemas', () => {
    expect(checkBackwardCompatible(personSchema(), personSchema())).toEqual([]);
  });

  it('allows adding a nullable field with a null default and removing a field', () => {
    const next = personSchema();
    next.fields.push({ name: 'alias_note', type: ['null', 'string'], default: null, doc: 'Ghi chú | Note', 'x-sensitivity': 2 });
    next.fields = next.fields.filter((f) => f.name !== 'occupation');
    expect(checkBackwardCompatible(personSchema(), next)).toEqual([]);
  });

  it('allows adding an enum symbol and widening int to long', () => {
    const next = personSchema();
    const sex = field(next, 'sex').type as { symbols: string[] };
    sex.symbols = [...sex.symbols, 'Z'];
    field(next, 'prior_convictions').type = ['null', 'long'];
    expect(checkBackwardCompatible(personSchema(), next)).toEqual([]);
  });

  it('reports a nullable field made required, naming the field', () => {
    const next = personSchema();
    const f = field(next, 'national_id');
    f.type = 'string';
    delete f.default;
    const issues = checkBackwardCompatible(personSchema(), next);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'national_id', kind: 'type-changed' });
    expect(issues[0].message).toMatch(/national_id/);
  });

  it('reports a changed type, naming the field', () => {
    const next = personSchema();
    field(next, 'full_name').type = 'int';
    expect(checkBackwardCompatible(personSchema(), next)).toEqual([
      expect.objectContaining({ field: 'full_name', kind: 'type-changed', message: expect.stringContaining('full_name') }),
    ]);
  });

  it('reports a required field added without a default', () => {
    const next = personSchema();
    next.fields.push({ name: 'blood_group', type: 'string', doc: 'Nhóm máu | Blood group', 'x-sensitivity': 3 });
    expect(checkBackwardCompatible(personSchema(), next)).toEqual([expect.objectContaining({ field: 'blood_group', kind: 'field-added-without-default' })]);
  });

  it('reports enum symbols removed from an enum without a default, but not with one', () => {
    const old = personSchema();
    const sexOld = field(old, 'sex').type as Record<string, unknown>;
    delete sexOld.default;
    const next = personSchema();
    const sexNew = field(next, 'sex').type as { symbols: string[]; default?: string };
    delete sexNew.default;
    sexNew.symbols = sexNew.symbols.filter((s) => s !== 'X');
    expect(checkBackwardCompatible(old, next)).toEqual([expect.objectContaining({ field: 'sex', kind: 'enum-symbols-removed', message: expect.stringContaining('X') })]);
    const withDefault = personSchema();
    const sex = field(withDefault, 'sex').type as { symbols: string[] };
    sex.symbols = sex.symbols.filter((s) => s !== 'X');
    expect(checkBackwardCompatible(personSchema(), withDefault)).toEqual([]);
  });

  it('reports a changed decimal scale and a renamed record', () => {
    const judgment = JSON.parse(fs.readFileSync(path.join(DEFAULT_SCHEMA_DIR, 'judgment.value.avsc'), 'utf8')) as Schema;
    const next = JSON.parse(JSON.stringify(judgment)) as Schema;
    (field(next, 'court_fee_vnd').type as [string, { scale: number }])[1].scale = 2;
    expect(checkBackwardCompatible(judgment, next)).toEqual([expect.objectContaining({ field: 'court_fee_vnd', kind: 'type-changed' })]);
    const renamed = { ...judgment, name: 'Judgment' };
    expect(checkBackwardCompatible(judgment, renamed)).toEqual([expect.objectContaining({ field: '', kind: 'name-changed' })]);
  });
});
