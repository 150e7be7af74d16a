import { Type, types } from 'avsc';
import { createAvroType } from './avroType';

/** One reason a new schema cannot read data written with the old one. */
export interface CompatibilityIssue {
  /** Dotted field path inside the record ("" for the record itself). */
  field: string;
  kind: 'field-added-without-default' | 'type-changed' | 'enum-symbols-removed' | 'name-changed' | 'unreadable' | 'schema-removed';
  message: string;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The enum a field type is, or carries as a union branch. */
function enumOf(t: Type): types.EnumType | undefined {
  if (t instanceof types.EnumType) return t;
  if (t instanceof types.UnwrappedUnionType || t instanceof types.WrappedUnionType) {
    return t.types.find((b): b is types.EnumType => b instanceof types.EnumType);
  }
  return undefined;
}

/** avsc keeps an enum's default on the type but its typings omit it. */
function enumDefault(t: types.EnumType): string | undefined {
  return (t as unknown as { default?: string }).default;
}

function recordOf(t: Type): types.RecordType | undefined {
  if (t instanceof types.RecordType) return t;
  if (t instanceof types.UnwrappedUnionType || t instanceof types.WrappedUnionType) {
    return t.types.find((b): b is types.RecordType => b instanceof types.RecordType);
  }
  return undefined;
}

function typeLabel(t: Type): string {
  return JSON.stringify(t.schema());
}

function fieldIssue(path: string, reader: Type, writer: Type): CompatibilityIssue[] {
  try {
    reader.createResolver(writer);
    return [];
  } catch (err) {
    const readerEnum = enumOf(reader);
    const writerEnum = enumOf(writer);
    if (readerEnum && writerEnum && readerEnum.name === writerEnum.name) {
      const removed = writerEnum.symbols.filter((s) => !readerEnum.symbols.includes(s));
      if (removed.length > 0 && enumDefault(readerEnum) === undefined) {
        return [{ field: path, kind: 'enum-symbols-removed', message: `field ${path}: enum symbols removed without a default: ${removed.join(', ')}` }];
      }
    }
    const readerRecord = recordOf(reader);
    const writerRecord = recordOf(writer);
    if (readerRecord && writerRecord) {
      const nested = recordIssues(path, readerRecord, writerRecord);
      if (nested.length > 0) return nested;
    }
    return [
      {
        field: path,
        kind: 'type-changed',
        message: `field ${path}: the new type ${typeLabel(reader)} cannot read the old type ${typeLabel(writer)} (${errorText(err)})`,
      },
    ];
  }
}

function recordIssues(prefix: string, reader: types.RecordType, writer: types.RecordType): CompatibilityIssue[] {
  const issues: CompatibilityIssue[] = [];
  const readerNames = [reader.name, ...(reader.aliases ?? [])];
  if (writer.name !== undefined && !readerNames.includes(writer.name)) {
    issues.push({ field: prefix, kind: 'name-changed', message: `record ${writer.name} was renamed to ${reader.name ?? '?'} without an alias` });
    return issues;
  }
  const writerFields = new Map(writer.fields.map((f) => [f.name, f]));
  for (const rf of reader.fields) {
    const path = prefix ? `${prefix}.${rf.name}` : rf.name;
    const match = [rf.name, ...(rf.aliases ?? [])].map((n) => writerFields.get(n)).find((f) => f !== undefined);
    if (!match) {
      if (rf.defaultValue() === undefined) {
        issues.push({
          field: path,
          kind: 'field-added-without-default',
          message: `field ${path} was added without a default: data written with the old schema has no value for it`,
        });
      }
      continue;
    }
    issues.push(...fieldIssue(path, rf.type, match.type));
  }
  return issues;
}

/**
 * Confluent BACKWARD check: can a consumer using `newSchema` read data written with `oldSchema`? Uses
 * avsc schema resolution (new.createResolver(old)) field by field, so each issue names its field;
 * removing a field is allowed, adding one needs a default, enum symbols may only disappear when the
 * enum has a default.
 */
export function checkBackwardCompatible(oldSchema: object, newSchema: object): CompatibilityIssue[] {
  const writer = createAvroType(oldSchema);
  const reader = createAvroType(newSchema);
  const issues = reader instanceof types.RecordType && writer instanceof types.RecordType ? recordIssues('', reader, writer) : fieldIssue('', reader, writer);
  if (issues.length > 0) return issues;
  // The per-field walk mirrors avsc's rules; resolving the whole record catches anything it does not.
  try {
    reader.createResolver(writer);
  } catch (err) {
    return [{ field: '', kind: 'unreadable', message: `the new schema cannot read data written with the old one: ${errorText(err)}` }];
  }
  return [];
}
