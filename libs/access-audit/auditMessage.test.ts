import { parseAuditMessage, splitQualifiedName } from './auditMessage';

describe('parseAuditMessage', () => {
  it('reads an object audit entry without its statement', () => {
    expect(parseAuditMessage('AUDIT: OBJECT,5,1,READ,SELECT,TABLE,partner_cand.person,<not logged>,<not logged>')).toEqual({
      auditType: 'OBJECT',
      statementId: 5,
      substatementId: 1,
      auditClass: 'READ',
      command: 'SELECT',
      objectType: 'TABLE',
      objectName: 'partner_cand.person',
    });
  });

  it('reads an object name pgaudit had to quote, and a statement spanning lines after it', () => {
    const m = parseAuditMessage('AUDIT: OBJECT,1,1,READ,SELECT,TABLE,"partner_cand.""Odd, """"name""""""","SELECT *\n  FROM x WHERE a = \'1,2\'",<none>');
    expect(m?.objectName).toBe('partner_cand."Odd, ""name"""');
    expect(splitQualifiedName(m!.objectName)).toEqual(['partner_cand', 'Odd, "name"']);
  });

  it('refuses what is not a pgaudit entry', () => {
    expect(parseAuditMessage('checkpoint complete: wrote 3 buffers')).toBeUndefined();
    expect(parseAuditMessage('AUDIT: OBJECT,x,1,READ,SELECT,TABLE,t')).toBeUndefined();
    expect(parseAuditMessage('AUDIT: SESSION,1,1,READ')).toBeUndefined();
  });
});

describe('splitQualifiedName', () => {
  it('splits plain and quoted parts', () => {
    expect(splitQualifiedName('partner_cand.person')).toEqual(['partner_cand', 'person']);
    expect(splitQualifiedName('"Partner.X".y')).toEqual(['Partner.X', 'y']);
    expect(splitQualifiedName('person')).toEqual(['person']);
  });

  it('refuses malformed names', () => {
    for (const bad of ['', 'a..b', 'a.', '"open', 'a"b.c', '"a"b.c']) expect(splitQualifiedName(bad)).toBeUndefined();
  });
});
