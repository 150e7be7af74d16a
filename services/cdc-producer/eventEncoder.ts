import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Schema, Type } from 'avsc';
import { DecimalType } from '../../libs/contracts/decimalLogicalType';
import { EntityContract } from '../../libs/contracts/contractTypes';
import { CanonicalRecord } from './contractBinding';

/**
 * Encodes an entity's keys and values in the schema-registry wire format (magic 0, 4-byte schema id,
 * Avro body) with avsc types compiled once: the registry client's own encode is async and re-resolves
 * the schema per call, too slow for the hot path.
 */
export class EventEncoder {
  private constructor(
    readonly topic: string,
    private readonly keyType: Type,
    private readonly valueType: Type,
    readonly keySchemaId: number,
    readonly valueSchemaId: number,
  ) {}

  /** Registers the contract under `<topic>-key` / `<topic>-value` (idempotent: same schema, same id). */
  static async register(registry: SchemaRegistry, topic: string, contract: EntityContract): Promise<EventEncoder> {
    const key = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(contract.keySchema) }, { subject: `${topic}-key` });
    const value = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(contract.valueSchema) }, { subject: `${topic}-value` });
    return new EventEncoder(topic, encodingType(contract.keySchema), encodingType(contract.valueSchema), key.id, value.id);
  }

  encodeKey(id: string): Buffer {
    return frame(this.keySchemaId, this.keyType.toBuffer({ id }));
  }

  encodeValue(record: CanonicalRecord): Buffer {
    return frame(this.valueSchemaId, this.valueType.toBuffer(record));
  }
}

/**
 * The uuid logical type is left out when encoding: ids come from uuid columns, already valid, and its
 * per-value check cost ~9% of the producer's CPU. Readers still get the registered schema.
 */
function encodingType(schema: object): Type {
  return Type.forSchema(schema as Schema, { logicalTypes: { decimal: DecimalType } });
}

function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}
