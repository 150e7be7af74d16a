import { canonicalText, rowHashSql } from './canonicalHash';

const f = (name: string, kind: Parameters<typeof canonicalText>[0]['kind']) => ({ name, kind });

describe('canonical texts as SQL', () => {
  it('keeps a char(n) value blank-padded as the pipeline carries it, and NULL as NULL', () => {
    const c = canonicalText(f('national_id', 'string'), { type: 'bpchar', isEnum: false }, 't."national_id"');
    expect(c.text).toBe('CASE WHEN t."national_id" IS NULL THEN NULL ELSE concat(t."national_id") END');
    expect(c.nfc).toBe(true);
  });

  it('widens float4 through its own text, removes trailing decimal zeros, renders instants in UTC', () => {
    expect(canonicalText(f('d', 'double'), { type: 'float4', isEnum: false }, 'x').text).toBe('x::text::float8::text');
    expect(canonicalText(f('n', 'decimal'), { type: 'numeric', isEnum: false }, 'x').text).toBe('trim_scale(x)::text');
    expect(canonicalText(f('n', 'decimal'), { type: 'int8', isEnum: false }, 'x').text).toBe('x::text');
    expect(canonicalText(f('ts', 'timestamp'), { type: 'timestamptz', isEnum: false }, 'x').text).toBe("(x AT TIME ZONE 'UTC')::text");
    expect(canonicalText(f('j', 'json'), { type: 'json', isEnum: false }, 'x')).toEqual({ name: 'j', text: 'x::jsonb::text', nfc: true });
    expect(canonicalText(f('e', 'enum'), { type: 'sex_code', isEnum: true }, 'x')).toEqual({ name: 'e', text: 'x::text', nfc: false });
  });

  it('hashes a column the table lacks as NULL', () => {
    expect(canonicalText(f('x', 'string'), null, 't."x"')).toEqual({ name: 'x', text: 'NULL::text', nfc: false });
  });

  it('refuses a column type the pipeline does not map to the kind, naming the field', () => {
    expect(() => canonicalText(f('born', 'date'), { type: 'timestamptz', isEnum: false }, 'x')).toThrow(/timestamptz cannot hold a date field.*field born/);
    expect(() => canonicalText(f('n', 'int'), { type: 'int8', isEnum: false }, 'x')).toThrow(/int8/);
  });

  it('skips normalisation only behind the NFC-stable test, and not at all without texts', () => {
    const id = canonicalText(f('id', 'uuid'), { type: 'uuid', isEnum: false }, 't."id"');
    const name = canonicalText(f('name', 'string'), { type: 'text', isEnum: false }, 't."name"');
    expect(rowHashSql([id])).not.toContain('normalize');
    const sql = rowHashSql([id, name]);
    expect(sql).toMatch(
      /^\(CASE WHEN \(COALESCE\(t\."name", ''\)\) COLLATE "C" ~ '\^\[\\u0001-\\u02FF\\u1E00-\\u1EFF\]\*\$' THEN hashtextextended\(\(ARRAY\[t\."id"::text, t\."name"\]::text\[\]::text\)/,
    );
    expect(sql).toContain('normalize(t."name", NFC)');
  });
});
