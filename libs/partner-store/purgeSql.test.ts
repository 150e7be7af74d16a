import { clearFieldsSql, countRowsSql, dropColumnsSql, purgeRowsSql, retentionOverCondition } from './purgeSql';
import { PURGE_SCHEMA_DDL } from './purgeSchema';
import { STATE_SCHEMA_DDL } from './stateSchema';

describe('purge statements', () => {
  it('remove only the agreement rows meeting the condition, tombstone them at their position and log them', () => {
    const sql = purgeRowsSql('partner_cand', 'person', 'p."sex" = $7::text');
    expect(sql).toContain('DELETE FROM "partner_cand"."person" p WHERE p._agreement_id = $1::text AND (p."sex" = $7::text)');
    expect(sql).toContain('INSERT INTO "partner_cand"."_tombstone"');
    expect(sql).toContain('WHERE (t.lsn, t.idx) < (EXCLUDED.lsn, EXCLUDED.idx)');
    expect(sql).toMatch(/INSERT INTO "partner_state".update_log[\s\S]*'d', 'purge', \$4::text/);
    expect(sql).toContain(`string_agg(x.id::text, E'\\n' ORDER BY x.id::text COLLATE "C")`);
    expect(purgeRowsSql('partner_cand', 'person', null)).toContain('WHERE p._agreement_id = $1::text\n');
    expect(() => purgeRowsSql('partner_cand', 'Person; drop', null)).toThrow(/plain lower-case/);
  });

  it('clear fields with update-log lines, keeping the receipt time, and never the key or metadata', () => {
    const sql = clearFieldsSql('partner_cand', 'person', ['national_id', 'full_name'], null);
    expect(sql).toContain('UPDATE "partner_cand"."person" p SET "national_id" = NULL, "full_name" = NULL WHERE p._agreement_id = $1::text');
    expect(sql).toContain(`'u', 'clear'`);
    expect(sql).not.toContain('_applied_at =');
    expect(() => clearFieldsSql('partner_cand', 'person', ['id'], null)).toThrow(/cannot be cleared/);
    expect(() => clearFieldsSql('partner_cand', 'person', ['_applied_at'], null)).toThrow(/cannot be cleared/);
    expect(() => clearFieldsSql('partner_cand', 'person', [], null)).toThrow(/no field/);
    expect(dropColumnsSql('partner_cand', 'person', ['national_id'])).toBe('ALTER TABLE "partner_cand"."person" DROP COLUMN IF EXISTS "national_id"');
    expect(() => dropColumnsSql('partner_cand', 'person', ['_source_lsn'])).toThrow(/cannot be dropped/);
    expect(countRowsSql('partner_cand', 'person')).toContain('FROM (SELECT p.id FROM "partner_cand"."person" p WHERE p._agreement_id = $1::text) x');
  });

  it('measure retention from receipt in UTC', () => {
    const c = retentionOverCondition('P1M', new Date('2026-03-31T00:00:00Z'));
    expect(c.sql).toBe(`(p._applied_at AT TIME ZONE 'UTC') + $7::interval <= ($8::timestamptz AT TIME ZONE 'UTC')`);
    expect(c.params).toEqual(['P1M', '2026-03-31T00:00:00.000Z']);
  });

  it('keep deletion records append-only and widen the update-log actions once', () => {
    const ddl = STATE_SCHEMA_DDL.join('\n');
    expect(ddl).toContain(`CHECK (action IN ('upsert', 'delete', 'purge', 'clear'))`);
    expect(PURGE_SCHEMA_DDL.join('\n')).toContain('BEFORE UPDATE OR DELETE ON "partner_state".deletion_record');
    expect(PURGE_SCHEMA_DDL.join('\n')).toContain('REVOKE UPDATE, DELETE, TRUNCATE ON "partner_state".deletion_record FROM PUBLIC');
    expect(ddl.indexOf('refuse_change() RETURNS trigger')).toBeLessThan(ddl.indexOf('deletion_record_append_only'));
  });
});
