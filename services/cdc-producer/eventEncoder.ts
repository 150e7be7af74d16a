import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Schema, Type } from 'avsc';
import { agreementSubject } from '../../libs/contracts/agreementTopics';
import { DecimalType } from '../../libs/contracts/decimalLogicalType';
import { EntityContract } from '../../libs/contracts/contractTypes';

/**
 * The registered key and value schemas of one agreement topic for one projection. Keys are encoded
 * here in the schema-registry wire format (magic 0, 4-byte schema id, Avro body) with avsc types
 * compiled once: the registry client's own encode is async and re-resolves the schema per call, too
 * slow for the hot path. Values are written by RowEncoder straight from the row's bytes.
 */
export class EventEncoder {
  /** Whether the key schema is a record of one string field `id`: its Avro body is then the id's length and UTF-8 bytes. */
  private readonly plainIdKey: boolean;

  private constructor(
    readonly topic: string,
    private readonly keyType: Type,
    /** Row values are written by RowEncoder, from this type's fields. */
    readonly valueType: Type,
    readonly keySchemaId: number,
    readonly valueSchemaId: number,
  ) {
    this.plainIdKey = isPlainIdKey(keyType);
  }

  /**
   * Registers the key schema under `<topic>-key` and the projected value schema under `<topic>-value`
   * (idempotent: same schema, same id). The registry's compatibility rule then gates each new
   * projection of the agreement against the ones before (projectValueSchema keeps them compatible).
   */
  static async register(registry: SchemaRegistry, topic: string, projected: EntityContract): Promise<EventEncoder> {
    const key = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(projected.keySchema) }, { subject: agreementSubject(topic, 'key') });
    const value = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(projected.valueSchema) }, { subject: agreementSubject(topic, 'value') });
    return EventEncoder.compile(topic, projected, key.id, value.id);
  }

  /** The encoder for schemas registered under these ids. */
  static compile(topic: string, projected: EntityContract, keySchemaId: number, valueSchemaId: number): EventEncoder {
    return new EventEncoder(topic, encodingType(projected.keySchema), encodingType(projected.valueSchema), keySchemaId, valueSchemaId);
  }

  encodeKey(id: string): Buffer {
    if (!this.plainIdKey || typeof id !== 'string') return encodeWire(this.keySchemaId, this.keyType, { id });
    const n = Buffer.byteLength(id, 'utf8');
    const head = 5 + varLongSize(n);
    const out = Buffer.allocUnsafe(head + n);
    out[0] = 0;
    out.writeUInt32BE(this.keySchemaId, 1);
    let p = 5;
    for (let z = n * 2; ; z = Math.floor(z / 128)) {
      if (z <= 0x7f) {
        out[p++] = z;
        break;
      }
      out[p++] = (z % 128) | 0x80;
    }
    out.write(id, head, 'utf8');
    return out;
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

function isPlainIdKey(t: Type): boolean {
  const fields = (t as unknown as { fields?: readonly { name: string; type: Type }[] }).fields;
  return t.typeName === 'record' && fields !== undefined && fields.length === 1 && fields[0].name === 'id' && fields[0].type.typeName === 'string';
}

/** Bytes of the Avro (zigzag) varint of a non-negative length. */
function varLongSize(n: number): number {
  let size = 1;
  for (let z = n * 2; z > 0x7f; z = Math.floor(z / 128)) size++;
  return size;
}

/**
 * The uuid logical type is left out when encoding: ids come from uuid columns, already valid, and its
 * per-value check cost ~9% of the producer's CPU. Readers still get the registered schema.
 */
function encodingType(schema: object): Type {
  return Type.forSchema(schema as Schema, { logicalTypes: { decimal: DecimalType } });
}
