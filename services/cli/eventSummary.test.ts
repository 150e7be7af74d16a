import { generateKeyPairSync } from 'crypto';
import { H } from '../../libs/events';
import { EventVerifier } from '../../libs/signing';
import { signEvents } from '../apply-consumer/__fixtures__/signedEvents';
import { summarizeEvent } from './eventSummary';

describe('event summaries for operators', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = { keyId: 'cand.c10-20261127-0a1b2c3d', privateKey, publicKey };
  const [e] = signEvents(
    [
      {
        topic: 'thahs.cand.person',
        key: Buffer.from('k'),
        value: Buffer.from('Nguyễn Văn An'),
        meta: {
          op: 'u',
          position: { lsn: 0x16_b374d848n, index: 3 },
          xid: 42,
          commitTs: 1_764_201_600_123_456,
          ministry: 'cand',
          entity: 'person',
          agreementId: 'TTDL-CAND-QDND-2025-01',
          agreementVersion: 1,
          sourceEpoch: '7441139201358532123',
        },
      },
    ],
    key,
  );
  const msg = { ...e, partition: 1, offset: '17' };
  const verifier = new EventVerifier((id) => (id === key.keyId ? publicKey : undefined));

  it('shows the envelope, never the value', () => {
    const s = summarizeEvent(msg);
    expect(s).toEqual({
      topic: 'thahs.cand.person',
      partition: 1,
      offset: '17',
      op: 'u',
      lsn: '16/B374D848',
      txIndex: 3,
      xid: 42,
      commitTs: '2025-11-27T00:00:00.123Z',
      eventId: 'cand:16/B374D848:3',
      ministry: 'cand',
      entity: 'person',
      keyId: key.keyId,
      agreementId: 'TTDL-CAND-QDND-2025-01',
      agreementVersion: 1,
      sourceEpoch: '7441139201358532123',
      valueBytes: Buffer.byteLength('Nguyễn Văn An'),
    });
    expect(JSON.stringify(s)).not.toContain('Nguy');
  });

  it('says whether the proof verifies, and why not', () => {
    expect(summarizeEvent(msg, verifier).proof).toBe('verified');
    expect(summarizeEvent({ ...msg, value: Buffer.from('altered') }, verifier).proof).toBe('bad-signature');
    expect(summarizeEvent(msg, new EventVerifier(() => undefined)).proof).toBe('unknown-key');
    expect(summarizeEvent({ ...msg, headers: { [H.event]: Buffer.from('garbage') } }).error).toMatch(/thahs.event/);
  });
});
