import { Schema, Type, types } from 'avsc';
import { DecimalType } from './decimalLogicalType';
import { UuidType } from './uuidLogicalType';

/**
 * Logical types the project registers with avsc. `date` and `timestamp-micros` are deliberately absent:
 * unregistered, avsc reads them as their underlying int/long, which is the canonical representation
 * (days since 1970-01-01, microseconds since the epoch) and keeps microsecond precision that a JS Date
 * would lose.
 */
export const AVRO_LOGICAL_TYPES: Readonly<Record<string, new (schema: Schema, opts?: unknown) => types.LogicalType>> = {
  decimal: DecimalType,
  uuid: UuidType,
};

/**
 * Options for @kafkajs/confluent-schema-registry's AVRO options (which copies them per schema). Frozen:
 * avsc's Type.forSchema stores every named type in `opts.registry`, so a shared options object handed to
 * it directly would leak names from one schema into the next; use createAvroType, which copies.
 */
export const AVRO_FOR_SCHEMA_OPTIONS = Object.freeze({ logicalTypes: AVRO_LOGICAL_TYPES, assertLogicalTypes: true as const });

/**
 * An avsc type for a contract schema, with the canonical JS record representation used across the
 * project: string/uuid/enum/json -> string; boolean; int/long/double -> number; decimal -> string;
 * date -> days since epoch; timestamp -> microseconds since epoch; null for a missing nullable value.
 */
export function createAvroType(schema: object): Type {
  return Type.forSchema(schema as Schema, { ...AVRO_FOR_SCHEMA_OPTIONS });
}
