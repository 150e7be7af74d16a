import { createHash } from 'crypto';
import { encodeEnvelope, encodeMeta, H, parseLsn } from '../../libs/events';
import { DLQ_HEADERS, deadLetterMessage, deadLetterRecord, storedHeaders } from './deadLetterMessage';

describe('dead-letter records', () => {
  const event = {
    topic: 'thahs.cand.person',
    partition: 2,
    offset: '41',
    key: Buffer.from([0, 0, 0, 0, 1, 2]),
    value: Buffer.from([0xff, 0xfe]),
    headers: { 'x-text': Buffer.from('u'), [H.event]: Buffer.from('meta-and-proof'), 'x-binary': Buffer.from([0xc3, 0x28]), 'x-many': [Buffer.from('a'), 'b'] },
  };

  it('stores text headers as text, and the envelope (even when it reads as text) or invalid UTF-8 as base64', () => {
    expect(storedHeaders(event.headers)).toEqual({
      'x-text': 'u',
      [H.event]: { base64: Buffer.from('meta-and-proof').toString('base64') },
      'x-binary': { base64: 'wyg=' },
      'x-many': ['a', 'b'],
    });
  });

  it('shows what the meta of a well-formed envelope says, next to its bytes', () => {
    const meta = encodeMeta(
      {
        op: 'd',
        position: { lsn: parseLsn('0/16B3748'), index: 2 },
        xid: 9,
        commitTs: 1_764_201_600_000_000,
        ministry: 'cand',
        entity: 'person',
        agreementId: 'TTDL-CAND-QDND-2025-01',
        agreementVersion: 1,
        sourceEpoch: '7441139201358532123',
      },
      'cand.c10-20261127-0a1b2c3d',
    );
    const envelope = encodeEnvelope(meta, Buffer.alloc(64, 7), Buffer.alloc(8));
    expect(storedHeaders({ [H.event]: envelope })).toEqual({
      [H.event]: {
        base64: envelope.toString('base64'),
        decoded: {
          op: 'd',
          lsn: '0/16B3748',
          txIndex: 2,
          xid: 9,
          commitTs: '2025-11-27T00:00:00.000Z',
          eventId: 'cand:0/16B3748:2',
          ministry: 'cand',
          entity: 'person',
          keyId: 'cand.c10-20261127-0a1b2c3d',
          agreementId: 'TTDL-CAND-QDND-2025-01',
          agreementVersion: 1,
          sourceEpoch: '7441139201358532123',
        },
      },
    });
  });

  it('stores anything an unsigned record can carry: null values, prototype names, NULs — jsonb and text take it', () => {
    const headers = Object.assign(Object.create(null) as Record<string, unknown>, {
      nothing: null,
      ['__proto__']: Buffer.from('p'),
      constructor: Buffer.from('c'),
      toString: [Buffer.from('t'), null],
      'nul\u0000name': 'a\u0000b',
      nulBytes: Buffer.from([0x61, 0x00, 0x62]),
      [H.event]: encodeEnvelope(
        encodeMeta(
          { op: 'u', position: { lsn: 1n, index: 0 }, xid: 1, commitTs: 1, ministry: 'cand', entity: 'person', agreementId: 'A\u0000B', agreementVersion: 1, sourceEpoch: '1' },
          'key\u0000id',
        ),
        Buffer.alloc(64),
        Buffer.alloc(0),
      ),
    });
    const rec = deadLetterRecord({ ...event, headers: headers as never }, 'bad-signature', 'key key\u0000id unknown', 'person');
    const json = JSON.stringify(rec.headers);
    // jsonb refuses U+0000 in any string, text refuses it anywhere
    const nul = (v: unknown): boolean =>
      typeof v === 'string' ? v.includes('\u0000') : v !== null && typeof v === 'object' ? Object.entries(v).some(([k, x]) => nul(k) || nul(x)) : false;
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(nul(parsed)).toBe(false);
    expect(rec.detail).not.toContain('\u0000');
    expect(Object.keys(parsed).sort()).toEqual(['__proto__', 'constructor', 'nothing', 'nul\\u0000name', 'nulBytes', 'thahs.event', 'toString'].sort());
    expect(parsed.nothing).toBeNull();
    expect(parsed.toString).toEqual(['t', null]);
    expect(parsed.nulBytes).toEqual({ base64: Buffer.from([0x61, 0x00, 0x62]).toString('base64') });
    expect((parsed[H.event] as { decoded: { keyId: string } }).decoded.keyId).toBe('key\\u0000id');
    // the Kafka copy leaves the null values out and keeps the rest
    const m = deadLetterMessage({ ...event, headers: headers as never }, rec, 'A-1', 'g', new Date(0));
    expect(Object.keys(m.headers!)).not.toContain('nothing');
    expect(m.headers!.toString).toEqual([Buffer.from('t')]);
    expect(Object.getOwnPropertyDescriptor(m.headers, '__proto__')?.value).toEqual(Buffer.from('p'));
  });

  it('keeps no value bytes of a policy violation, only their digest', () => {
    const rec = deadLetterRecord(event, 'policy-violation', 'carries national_id, which agreement A-1 v1 does not share', 'person');
    expect(rec.value).toBeNull();
    expect(rec.valueDigest).toBe(createHash('sha256').update(event.value!).digest('hex'));
    const m = deadLetterMessage(event, rec, 'A-1', 'thahs-apply-A-1-qdnd', new Date('2026-11-27T00:00:00Z'));
    expect(m.value).toBeNull();
    expect(m.headers).toMatchObject({ [DLQ_HEADERS.valueDigest]: rec.valueDigest });
  });

  it('copies the raw event to the DLQ topic with why and where it came from', () => {
    const rec = deadLetterRecord(event, 'undecodable', 'value body does not decode', 'person');
    expect(rec).toMatchObject({ reason: 'undecodable', topic: 'thahs.cand.person', partition: 2, offset: '41', entity: 'person', key: event.key, value: event.value });
    const m = deadLetterMessage(event, rec, 'A-1', 'thahs-apply-A-1-qdnd', new Date('2026-11-27T00:00:00Z'));
    expect(m.key).toBe(event.key);
    expect(m.value).toBe(event.value);
    expect(m.headers).toMatchObject({
      [H.event]: event.headers[H.event],
      [DLQ_HEADERS.reason]: 'undecodable',
      [DLQ_HEADERS.topic]: 'thahs.cand.person',
      [DLQ_HEADERS.partition]: '2',
      [DLQ_HEADERS.offset]: '41',
      [DLQ_HEADERS.agreement]: 'A-1',
      [DLQ_HEADERS.at]: '2026-11-27T00:00:00.000Z',
    });
  });
});
