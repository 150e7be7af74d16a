import { storedHeaders } from './deadLetterMessage';
import { rawHeaders } from './replayer';

describe('rawHeaders', () => {
  it('gives back the headers a dead letter stored: text as text, bytes as the same bytes, repeated headers in order', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const stored = JSON.parse(JSON.stringify(storedHeaders({ text: 'thahs', bin: bytes, twice: [Buffer.from('a'), Buffer.from([0xff])] }))) as Record<string, unknown>;
    const raw = rawHeaders(stored);
    expect(raw.text).toBe('thahs');
    expect(Buffer.isBuffer(raw.bin) && (raw.bin as Buffer).equals(bytes)).toBe(true);
    expect((raw.twice as (Buffer | string)[]).map((x) => Buffer.from(x).toString('hex'))).toEqual(['61', 'ff']);
  });

  it('leaves out a header only the digest of was kept (it cannot verify, so the retry dead-letters again)', () => {
    const big = Buffer.alloc(70 * 1024, 1);
    const raw = rawHeaders(JSON.parse(JSON.stringify(storedHeaders({ big, small: 'x' }))) as Record<string, unknown>);
    expect(Object.keys(raw)).toEqual(['small']);
  });
});
