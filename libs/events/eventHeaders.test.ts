import * as fs from 'fs';
import { Type } from 'avsc';
import {
  comparePositions,
  crc64Avro,
  decodeEnvelope,
  decodeMeta,
  encodeEnvelope,
  encodeMeta,
  eventId,
  formatLsn,
  H,
  HeaderError,
  META_PREFIX,
  META_V1_SCHEMA_FILE,
  parseEnvelope,
  parseLsn,
  parseMeta,
} from '.';
import { singleObjectHeader } from './avroFingerprint';

describe('event headers', () => {
  const meta = {
    op: 'u' as const,
    position: { lsn: parseLsn('16/B374D848'), index: 7 },
    xid: 901,
    commitTs: 1764201600000123,
    ministry: 'cand',
    entity: 'person',
    agreementId: 'TTDL-CAND-QDND-2025-01',
    agreementVersion: 2,
    sourceEpoch: '7441139201358532123',
  };
  const keyId = 'cand.c10-20261127-0a1b2c3d';

  const sig = Buffer.alloc(64, 1);
  const path = Buffer.alloc(72, 2);

  it('round-trips the meta with its key id and event id', () => {
    const bytes = encodeMeta(meta, keyId);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(decodeMeta(bytes)).toEqual({ ...meta, keyId, eventId: 'cand:16/B374D848:7' });
    expect(parseMeta({ [H.event]: encodeEnvelope(bytes, sig, path) })).toEqual({ ...meta, keyId, eventId: 'cand:16/B374D848:7' });
    expect(eventId(meta)).toBe('cand:16/B374D848:7');
    // A compact header: the eleven text headers it replaces took ~190 bytes of names and values
    // without an agreement id (22 bytes here) or a source epoch (19); an unsequenced meta carries an
    // empty run and a seq of 0 (2 bytes).
    expect(bytes.length).toBeLessThanOrEqual(132);
  });

  it('carries the producer run and the partition sequence (meta version 2), and still reads version 1', () => {
    const sequence = { run: 'a1b2c3d4e5f60718', seq: 123_456 };
    const v2 = encodeMeta({ ...meta, sequence }, keyId);
    expect(decodeMeta(v2)).toEqual({ ...meta, sequence, keyId, eventId: 'cand:16/B374D848:7' });
    expect(decodeMeta(encodeMeta(meta, keyId, sequence)).sequence).toEqual(sequence);
    expect(v2.length).toBeLessThanOrEqual(132 + 16 + 3);
    // Version 1, as producers wrote it before: its own fingerprint, no run or seq.
    const v1Type = Type.forSchema(JSON.parse(fs.readFileSync(META_V1_SCHEMA_FILE, 'utf8')) as Parameters<typeof Type.forSchema>[0]);
    const body = v1Type.toBuffer({
      op: 'u',
      lsn: Number(meta.position.lsn),
      tx_index: 7,
      xid: 901,
      commit_ts: meta.commitTs,
      event_id: 'cand:16/B374D848:7',
      ministry: 'cand',
      entity: 'person',
      key_id: keyId,
      agreement_id: meta.agreementId,
      agreement_version: 2,
      source_epoch: meta.sourceEpoch,
    });
    const v1 = Buffer.concat([singleObjectHeader(JSON.stringify(v1Type.schema())), body]);
    expect(v1.subarray(0, 10)).not.toEqual(META_PREFIX);
    expect(decodeMeta(v1)).toEqual({ ...meta, keyId, eventId: 'cand:16/B374D848:7' });
    expect(() => decodeMeta(encodeMeta({ ...meta, sequence: { run: '', seq: 5 } }, keyId))).toThrow(/seq without a run/);
  });

  it('encodes a meta larger than its scratch space, and the next one normally', () => {
    const longKey = 'k'.repeat(10_000);
    expect(decodeMeta(encodeMeta(meta, longKey)).keyId).toBe(longKey);
    const again = encodeMeta(meta, keyId);
    expect(decodeMeta(again).keyId).toBe(keyId);
    expect(again.subarray(0, META_PREFIX.length)).toEqual(META_PREFIX);
  });

  it('names what is wrong', () => {
    const bytes = encodeMeta(meta, keyId);
    expect(() => parseMeta({})).toThrow(/thahs.event: missing/);
    const otherSchema = Buffer.from(bytes);
    otherSchema[5] ^= 0xff;
    expect(() => decodeMeta(otherSchema)).toThrow(/schema fingerprint/);
    expect(() => decodeMeta(bytes.subarray(0, bytes.length - 3))).toThrow(/undecodable/);
    expect(() => decodeMeta(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/1 bytes after the meta/);
    expect(() => decodeEnvelope(bytes.subarray(0, 5))).toThrow(HeaderError);
    const forgedId = encodeMeta({ ...meta, position: { lsn: meta.position.lsn, index: 8 } }, keyId);
    // Same fields but an event id naming another position: rebuild by swapping the index back.
    const tampered = Buffer.from(forgedId.toString('latin1').replace('16/B374D848:8', '16/B374D848:9'), 'latin1');
    expect(() => decodeMeta(tampered)).toThrow(/event_id does not match/);
    expect(() => encodeMeta({ ...meta, position: { lsn: 2n ** 60n, index: 0 } }, keyId)).toThrow(/exceeds 2\^53/);
    expect(() => decodeMeta(encodeMeta({ ...meta, agreementId: '' }, keyId))).toThrow(/agreement_id is empty/);
    expect(() => decodeMeta(encodeMeta({ ...meta, agreementVersion: 0 }, keyId))).toThrow(/agreement_version/);
    expect(() => decodeMeta(encodeMeta({ ...meta, sourceEpoch: '' }, keyId))).toThrow(/source_epoch is empty/);
  });

  it('fingerprints the schema with CRC-64-AVRO', () => {
    // Avro specification test vector: the fingerprint of the canonical form "null".
    expect(crc64Avro(Buffer.from('"null"')).toString(16)).toBe('63dd24e7cc258f8a');
    expect(META_PREFIX.length).toBe(10);
  });

  it('splits the envelope into the signed meta bytes, the signature and the audit path', () => {
    const bytes = encodeMeta(meta, keyId);
    const env = parseEnvelope({ [H.event]: encodeEnvelope(bytes, sig, path) });
    expect(env.metaBytes).toEqual(bytes);
    expect(env.signature).toEqual(sig);
    expect(env.path).toEqual(path);
    // A meta with no proof after it decodes; the proof is the verifier's to refuse.
    expect(decodeEnvelope(bytes).signature.length).toBe(0);
    expect(decodeEnvelope(Buffer.concat([bytes, sig.subarray(0, 10)])).signature.length).toBe(10);
  });

  it('orders by commit LSN, then by index within the transaction', () => {
    const a = { lsn: 10n, index: 5 };
    expect(comparePositions(a, { lsn: 10n, index: 6 })).toBeLessThan(0);
    expect(comparePositions(a, { lsn: 9n, index: 99 })).toBeGreaterThan(0);
    expect(comparePositions(a, { lsn: 10n, index: 5 })).toBe(0);
    expect(formatLsn(parseLsn('0/0'))).toBe('0/0');
  });
});
