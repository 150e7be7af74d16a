import { decodeWatermark, encodeWatermark, watermarkDigest, watermarkTopic, WatermarkError, type Watermark } from './watermark';
import { eventDigest } from '../signing';

const w: Watermark = {
  ministry: 'cand',
  agreementId: 'TTDL-1',
  keyId: 'cand-c10-1',
  run: 'a1b2c3d4e5f60718',
  atUs: 1_764_201_600_000_000,
  intervalMs: 10_000,
  sourceEpoch: '7000000000000000042',
  lastCommitUs: 1_764_201_599_000_000,
  partitions: [
    {
      topic: 'thahs.cand.TTDL-1.person',
      partition: 1,
      seq: 3,
      tail: [
        [2, 'k2'],
        [3, 'k3'],
      ],
    },
  ],
};

describe('watermark format', () => {
  it('round-trips and names its own topic, which no entity topic can be', () => {
    expect(decodeWatermark(encodeWatermark(w))).toEqual(w);
    expect(watermarkTopic('thahs', 'cand', 'TTDL-1')).toBe('thahs.cand.TTDL-1._watermark');
  });

  it('refuses what is not one, without quoting it', () => {
    const bad = (o: object): Buffer => Buffer.from(JSON.stringify({ ...JSON.parse(encodeWatermark(w).toString()), ...o }));
    expect(() => decodeWatermark(Buffer.from('nope'))).toThrow(WatermarkError);
    expect(() => decodeWatermark(bad({ v: 2 }))).toThrow(/not a version 1/);
    expect(() => decodeWatermark(bad({ atUs: -1 }))).toThrow(/atUs/);
    expect(() => decodeWatermark(bad({ partitions: [{ topic: 't', partition: 0, seq: 1, tail: [[2, 'k']] }] }))).toThrow(/tail/);
    expect(() => decodeWatermark(bad({ keyId: 'secret\u0000' }))).toThrow(/keyId is not a text/);
    expect(() => decodeWatermark(Buffer.alloc(300_000, 32))).toThrow(/too-large/);
  });

  it('signs the topic and the exact body, apart from any event digest', () => {
    const body = encodeWatermark(w);
    expect(watermarkDigest('t', body)).toEqual(watermarkDigest('t', Buffer.from(body)));
    expect(watermarkDigest('t', body)).not.toEqual(watermarkDigest('u', body));
    expect(watermarkDigest('t', body)).not.toEqual(eventDigest({ topic: 't', key: Buffer.alloc(0), value: body, meta: Buffer.alloc(0) }));
  });
});
