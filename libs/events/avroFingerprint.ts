/**
 * CRC-64-AVRO (the Rabin fingerprint of the Avro specification) of a schema's Parsing Canonical Form:
 * the 8 bytes that identify the writer's schema in Avro single-object encoding, so a reader can tell
 * which layout a header was written with without a schema registry.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
  return fp;
});

export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)];
  return fp;
}

/** The single-object header: marker C3 01, then the fingerprint in little-endian order. */
export function singleObjectHeader(canonicalSchema: string): Buffer {
  const out = Buffer.alloc(10);
  out[0] = 0xc3;
  out[1] = 0x01;
  out.writeBigUInt64LE(crc64Avro(Buffer.from(canonicalSchema, 'utf8')), 2);
  return out;
}
