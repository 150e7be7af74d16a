import { completeCsvRecords, parseCsvLine } from './csvRecords';

describe('completeCsvRecords', () => {
  it('returns the complete records and the bytes they take, leaving a record cut off at the end', () => {
    const text = 'a,b\nc,d\ne,f';
    const r = completeCsvRecords(Buffer.from(text));
    expect(r.records).toEqual(['a,b', 'c,d']);
    expect(r.consumed).toBe(8);
    expect(text.slice(r.consumed)).toBe('e,f');
  });

  it('keeps line feeds inside quoted fields, and waits for the closing quote', () => {
    const record = 'x,"line one\nline two, with ""quotes""",y\n';
    expect(completeCsvRecords(Buffer.from(record))).toEqual({ records: ['x,"line one\nline two, with ""quotes""",y'], consumed: Buffer.byteLength(record) });
    // cut inside the quoted field: the line feed there does not end a record
    const cut = Buffer.from(record.slice(0, 14));
    expect(completeCsvRecords(cut)).toEqual({ records: [], consumed: 0 });
  });

  it('never splits a multi-byte character: a chunk ending inside one keeps that record for later', () => {
    const first = 'msg,"Nguyễn Văn A"\n';
    const second = 'msg,"Trại giam Thủ Đức"\n';
    const all = Buffer.from(first + second);
    const cut = all.subarray(0, Buffer.byteLength(first) + 18); // inside "Thủ"
    const r = completeCsvRecords(cut);
    expect(r.records).toEqual([first.trimEnd()]);
    const rest = completeCsvRecords(all.subarray(r.consumed));
    expect(rest.records).toEqual([second.trimEnd()]);
    expect(parseCsvLine(rest.records[0])[1]).toBe('Trại giam Thủ Đức');
  });

  it('accepts CRLF line ends', () => {
    expect(completeCsvRecords(Buffer.from('a,b\r\nc\r\n')).records).toEqual(['a,b', 'c']);
  });

  it('returns nothing for an empty chunk', () => {
    expect(completeCsvRecords(Buffer.alloc(0))).toEqual({ records: [], consumed: 0 });
  });
});

describe('parseCsvLine', () => {
  it('splits fields, unquoting and undoubling quotes, keeping empty fields', () => {
    expect(parseCsvLine('a,"b,c","d ""e""",,"",f')).toEqual(['a', 'b,c', 'd "e"', '', '', 'f']);
    expect(parseCsvLine('')).toEqual(['']);
    expect(parseCsvLine('x,')).toEqual(['x', '']);
  });
});
