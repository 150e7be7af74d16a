import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Schema, Type } from 'avsc';
import { DecimalType } from '../../libs/contracts/decimalLogicalType';
import { EntityContract } from '../../libs/contracts/contractTypes';

/**
 * An entity's registered key and value schemas. Keys are encoded here in the schema-registry wire format
 * (magic 0, 4-byte schema id, Avro body) with avsc types compiled once: the registry client's own
 * encode is async and re-resolves the schema per call, too slow for the hot path. Values are written by
 * RowEncoder straight from the row's bytes.
 */
export class EventEncoder {
  private constructor(
    readonly topic: string,
    private readonly keyType: Type,
    /** Row values are written by RowEncoder, from this type's fields. */
    readonly valueType: Type,
    readonly keySchemaId: number,
    readonly valueSchemaId: number,
  ) {}

  /** Registers the contract under `<topic>-key` / `<topic>-value` (idempotent: same schema, same id). */
  static async register(registry: SchemaRegistry, topic: string, contract: EntityContract): Promise<EventEncoder> {
    const key = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(contract.keySchema) }, { subject: `${topic}-key` });
    const value = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(contract.valueSchema) }, { subject: `${topic}-value` });
    return EventEncoder.compile(topic, contract, key.id, value.id);
  }

  /** The encoder for schemas registered under these ids. */
  static compile(topic: string, contract: EntityContract, keySchemaId: number, valueSchemaId: number): EventEncoder {
    return new EventEncoder(topic, encodingType(contract.keySchema), encodingType(contract.valueSchema), keySchemaId, valueSchemaId);
  }

  encodeKey(id: string): Buffer {
    return encodeWire(this.keySchemaId, this.keyType, { id });
  }
}

// Encoded in place after the 5-byte header, then copied out once: toBuffer followed by framing
// allocated and copied every event twice.
let scratch = Buffer.allocUnsafe(64 * 1024);

export function encodeWire(schemaId: number, type: Type, value: unknown): Buffer {
  let end = type.encode(value, scratch, 5);
  while (end < 0) {
    // avsc reports how much more room it needed as a negative end
    scratch = Buffer.allocUnsafe(2 * (scratch.length - end));
    end = type.encode(value, scratch, 5);
  }
  scratch[0] = 0;
  scratch.writeUInt32BE(schemaId, 1);
  const out = Buffer.allocUnsafe(end);
  scratch.copy(out, 0, 0, end);
  return out;
}

/**
 * The uuid logical type is left out when encoding: ids come from uuid columns, already valid, and its
 * per-value check cost ~9% of the producer's CPU. Readers still get the registered schema.
 */
function encodingType(schema: object): Type {
  return Type.forSchema(schema as Schema, { logicalTypes: { decimal: DecimalType } });
}
