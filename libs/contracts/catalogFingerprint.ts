import { createAvroType } from './avroType';

/** SHA-256 of the Avro Parsing Canonical Form, as registries and clients compare schemas. */
export function schemaFingerprint(schema: object): string {
  return createAvroType(schema).fingerprint('sha256').toString('hex');
}
