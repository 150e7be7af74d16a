import { Type, types } from 'avsc';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Avro `uuid` on `string`. The value stays a string; registering the type makes encoding reject a
 * malformed id before it reaches a topic key, where only opaque UUIDs may appear (DOMAIN.md §4).
 */
export class UuidType extends types.LogicalType {
  protected override _fromValue(val: string): string {
    return val;
  }

  protected override _toValue(val: unknown): string {
    if (typeof val !== 'string' || !UUID.test(val)) throw new Error(`${JSON.stringify(val)} is not a UUID`);
    return val;
  }

  protected override _resolve(writer: Type): ((val: string) => string) | undefined {
    return writer instanceof UuidType || writer.typeName === 'string' ? (val) => val : undefined;
  }
}
