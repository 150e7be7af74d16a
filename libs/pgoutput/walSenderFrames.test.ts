import { PgoutputDecodeError } from './errors';
import { encodeKeepalive, encodeXLogData } from './pgoutputEncoder';
import { encodeStandbyStatus, parseWalSenderFrame } from './walSenderFrames';

const PG_EPOCH_MS = 946_684_800_000;

describe('walsender frames', () => {
  it('reads an XLogData header and points at its payload', () => {
    const sendUs = BigInt(Date.UTC(2025, 0, 2, 3, 4, 5)) * 1000n + 678n;
    const f = encodeXLogData(0x1_0000_0020n, 0x1_0000_0040n, sendUs, Buffer.from('Cpayload'));
    const frame = parseWalSenderFrame(f);
    expect(frame).toEqual({ kind: 'xlogData', dataStart: 0x1_0000_0020n, walEnd: 0x1_0000_0040n, sendTimeMs: Date.UTC(2025, 0, 2, 3, 4, 5), payloadOffset: 25 });
    expect(f.subarray(25).toString()).toBe('Cpayload');
  });

  it('reads a keepalive and its reply flag', () => {
    const us = BigInt(PG_EPOCH_MS + 5000) * 1000n;
    expect(parseWalSenderFrame(encodeKeepalive(0xabcn, us, true))).toEqual({ kind: 'keepalive', walEnd: 0xabcn, sendTimeMs: PG_EPOCH_MS + 5000, replyRequested: true });
    expect(parseWalSenderFrame(encodeKeepalive(0xabcn, us, false))).toMatchObject({ replyRequested: false });
  });

  it('reads server times before 2000 and far ahead exactly', () => {
    expect(parseWalSenderFrame(encodeKeepalive(1n, -1_000_000n * 86_400n + 123_000n, false)).sendTimeMs).toBe(-86_400_000 + 123);
    const far = BigInt(Date.UTC(2200, 5, 1)) * 1000n;
    expect(parseWalSenderFrame(encodeKeepalive(1n, far, false)).sendTimeMs).toBe(Date.UTC(2200, 5, 1));
  });

  it('rejects unknown and short frames', () => {
    expect(() => parseWalSenderFrame(Buffer.from('x'))).toThrow(PgoutputDecodeError);
    expect(() => parseWalSenderFrame(Buffer.alloc(0))).toThrow(PgoutputDecodeError);
    expect(() => parseWalSenderFrame(Buffer.from([0x77, 0, 0]))).toThrow(/too short/);
    expect(() => parseWalSenderFrame(Buffer.from([0x6b, 0]))).toThrow(/too short/);
  });

  it('writes the Standby Status Update layout', () => {
    const b = encodeStandbyStatus({ written: 0x30n, flushed: 0x20n, applied: 0x10n, nowMs: PG_EPOCH_MS + 1, replyRequested: true });
    expect(b.length).toBe(34);
    expect(String.fromCharCode(b[0])).toBe('r');
    expect(b.readBigUInt64BE(1)).toBe(0x30n);
    expect(b.readBigUInt64BE(9)).toBe(0x20n);
    expect(b.readBigUInt64BE(17)).toBe(0x10n);
    expect(b.readBigInt64BE(25)).toBe(1000n);
    expect(b[33]).toBe(1);
  });
});
