import { randomUUID } from 'crypto';
import type { IHeaders } from 'kafkajs';
import { createAvroType } from '../../../libs/contracts/avroType';
import type { EntityContract } from '../../../libs/contracts/contractTypes';
import { projectValueSchema } from '../../../libs/contracts/projectedContract';
import { encodeEnvelope, encodeMeta, EventMeta, H } from '../../../libs/events';
import { generateKeyPairSync } from 'crypto';
import { eventDigest, PublicKeyRing, signBatch, SigningKey } from '../../../libs/signing';

/** A record valid for a contract: nullable fields null, the others a plain value of their kind. */
export function sampleRecord(contract: EntityContract, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of contract.fields) {
    if (f.nullable) out[f.name] = null;
    else
      out[f.name] = {
        string: 'x',
        uuid: randomUUID(),
        enum: f.symbols?.[0],
        boolean: false,
        int: 1,
        long: 1,
        double: 1.5,
        decimal: '1',
        date: 19_000,
        timestamp: 1_700_000_000_000_000,
        json: '{}',
      }[f.kind];
  }
  return { ...out, ...overrides };
}

/** Confluent wire format: magic byte 0, the schema id, the Avro body. */
export function wire(schemaId: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(schemaId, 1);
  return Buffer.concat([head, body]);
}

export interface TestEvent {
  topic: string;
  key: Buffer;
  value: Buffer | null;
  headers: IHeaders;
}

/**
 * Events signed as the producer signs them: one Merkle batch, the envelope built after signing.
 * `metaOverride` replaces the meta in the envelope after signing (an altered or malformed meta).
 */
export function signEvents(parts: { topic: string; key: Buffer; value: Buffer | null; meta: EventMeta; metaOverride?: Buffer }[], key: SigningKey): TestEvent[] {
  const prepared = parts.map((p) => ({ topic: p.topic, key: p.key, value: p.value, meta: encodeMeta(p.meta, key.keyId) }));
  const proofs = signBatch(prepared.map(eventDigest), key);
  return prepared.map((p, i) => ({
    topic: p.topic,
    key: p.key,
    value: p.value,
    headers: { [H.event]: encodeEnvelope(parts[i].metaOverride ?? p.meta, proofs[i].signature, proofs[i].path) },
  }));
}

/**
 * Encodes a key and a value (or a tombstone) of a contract under the given schema ids; the value with
 * the agreement projection's schema over `fields` (every field by default), as a provider publishes it.
 */
export function encodeRecord(
  contract: EntityContract,
  keySchemaId: number,
  valueSchemaId: number,
  record: Record<string, unknown> | null,
  id: string,
  fields: readonly string[] = contract.fields.map((f) => f.name),
): { key: Buffer; value: Buffer | null } {
  const key = wire(keySchemaId, createAvroType(contract.keySchema).toBuffer({ id }));
  const projected = projectValueSchema(contract, fields);
  const value =
    record === null
      ? null
      : wire(valueSchemaId, createAvroType(projected).toBuffer(Object.fromEntries((projected.fields as { name: string }[]).map((f) => [f.name, record[f.name] ?? null]))));
  return { key, value };
}

/** A provider signing key made for one suite, and the ring that trusts it. */
export function suiteSigningKey(keyId: string): { key: SigningKey; ring: PublicKeyRing } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const ring = new PublicKeyRing();
  ring.add(keyId, publicKey);
  return { key: { keyId, privateKey, publicKey }, ring };
}

/** The meta of a cand person update under `agreementId` version 1, source epoch '1' (what the suites' hand-made events carry unless they say otherwise). */
export function personUpdateMeta(agreementId: string, position: EventMeta['position'], over: Partial<EventMeta> = {}): EventMeta {
  return { op: 'u', position, xid: 1, commitTs: Date.now() * 1000, ministry: 'cand', entity: 'person', agreementId, agreementVersion: 1, sourceEpoch: '1', ...over };
}
