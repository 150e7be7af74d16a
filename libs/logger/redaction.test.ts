import { createLogger, tapLogLines } from '.';
import { tapTransport } from './logTap';
import { redactValue } from './redaction';

describe('log redaction', () => {
  it('redacts personal fields at any depth, URL passwords in any string, and error causes', () => {
    const lines: string[] = [];
    const untap = tapLogLines((l) => lines.push(l));
    const log = createLogger('redaction-test', 'debug');
    log.clear(); // nothing on the console; the tap sees the formatted lines
    log.add(tapTransport());
    const cause = new Error('connect to postgres://apply:s3cr/t@db:5432/thahs failed');
    const err = new Error('start failed: password=hunter2', { cause });
    const row = { id: 'x', full_name: 'Nguyễn Văn An', nested: { national_id: '079123456789', deeper: [{ spouse_name: 'Trần Thị B' }] } };
    log.error('producer failed', { err, row, url: 'https://u:tok@registry/x' });
    log.info(new Error('boom at postgres://u:pw@h/db'));
    untap();
    const text = lines.join('\n');
    for (const secret of ['Nguyễn Văn An', '079123456789', 'Trần Thị B', 's3cr', 'hunter2', ':tok@', ':pw@']) expect(text).not.toContain(secret);
    const first = JSON.parse(lines[0]) as { err: { message: string; cause: { message: string } }; row: { id: string } };
    expect(first.row.id).toBe('x');
    expect(first.err.cause.message).toBe('connect to postgres://apply:***@db:5432/thahs failed');
    // the caller's objects are not changed
    expect(row.nested.national_id).toBe('079123456789');
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(redactValue(a)).toEqual({ x: 1, self: '[circular]' });
  });
});
