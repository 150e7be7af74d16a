import { comparePositions, formatLsn, H, HeaderError, metaHeaders, parseLsn, parseMeta, signedHeaders } from '.';

describe('event headers', () => {
  const meta = { op: 'u' as const, position: { lsn: parseLsn('16/B374D848'), index: 7 }, xid: 901, commitTs: 1764201600000123, ministry: 'cand', entity: 'person' };

  it('round-trips the meta headers', () => {
    const h = metaHeaders(meta);
    expect(h[H.lsn]).toBe('16/B374D848');
    expect(h[H.eventId]).toBe('cand:16/B374D848:7');
    const buffers = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(v)]));
    expect(parseMeta(buffers)).toEqual(meta);
    expect(signedHeaders({ ...buffers, [H.proof]: Buffer.alloc(8) })).toEqual(h);
  });

  it('names the header at fault', () => {
    const h = metaHeaders(meta);
    expect(() => parseMeta({ ...h, [H.op]: 'x' })).toThrow(/thahs.op: unknown operation/);
    expect(() => parseMeta({ ...h, [H.lsn]: 'nope' })).toThrow(/thahs.lsn/);
    expect(() => parseMeta({ ...h, [H.txIndex]: '-1' })).toThrow(HeaderError);
    expect(() => parseMeta({ ...h, [H.eventId]: 'cand:16/B374D848:8' })).toThrow(/thahs.event_id/);
    const { [H.ministry]: _m, ...missing } = h;
    expect(() => parseMeta(missing)).toThrow(/thahs.ministry: missing/);
  });

  it('orders by commit LSN, then by index within the transaction', () => {
    const a = { lsn: 10n, index: 5 };
    expect(comparePositions(a, { lsn: 10n, index: 6 })).toBeLessThan(0);
    expect(comparePositions(a, { lsn: 9n, index: 99 })).toBeGreaterThan(0);
    expect(comparePositions(a, { lsn: 10n, index: 5 })).toBe(0);
    expect(formatLsn(parseLsn('0/0'))).toBe('0/0');
  });
});
