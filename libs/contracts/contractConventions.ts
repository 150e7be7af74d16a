import { createAvroType } from './avroType';
import { ContractError } from './contractError';
import { ContractField, EntityContract, FieldKind, JsonKeySpec, MINISTRIES, Ministry, SensitivityTier } from './contractTypes';
import { describeFieldType, FieldTypeError, FieldTypeInfo, NamedEnums } from './fieldKind';

/** Every exchanged table carries these columns (DOMAIN.md §2); consumers and the producer rely on them. */
const COMMON_COLUMNS: ReadonlyArray<{ name: string; kind: FieldKind; nullable: boolean }> = [
  { name: 'id', kind: 'uuid', nullable: false },
  { name: 'ministry', kind: 'enum', nullable: false },
  { name: 'reporting_unit_id', kind: 'uuid', nullable: true },
  { name: 'created_at', kind: 'timestamp', nullable: false },
  { name: 'updated_at', kind: 'timestamp', nullable: false },
  { name: 'row_version', kind: 'int', nullable: false },
];

const SNAKE_CASE = /^[a-z][a-z0-9_]*$/;
const DOC_SEPARATOR = ' | ';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits a bilingual doc "<Vietnamese> | <English>"; undefined unless there is exactly one separator. */
export function splitDoc(doc: unknown): { vi: string; en: string } | undefined {
  if (typeof doc !== 'string') return undefined;
  const parts = doc.split(DOC_SEPARATOR);
  if (parts.length !== 2) return undefined;
  const [vi, en] = parts.map((p) => p.trim());
  return vi && en ? { vi, en } : undefined;
}

function requireDoc(file: string, doc: unknown, field?: string): { vi: string; en: string } {
  const d = splitDoc(doc);
  if (!d) throw new ContractError(file, 'doc must be "<Vietnamese> | <English>" with exactly one " | "', field);
  return d;
}

function requireTier(file: string, v: unknown, field: string): SensitivityTier {
  if (v !== 1 && v !== 2 && v !== 3) throw new ContractError(file, `x-sensitivity must be 1, 2 or 3, got ${JSON.stringify(v)}`, field);
  return v;
}

function checkRecordHeader(file: string, schema: unknown, entity: string, name: 'Key' | 'Value'): Record<string, unknown> {
  if (!isObject(schema) || schema.type !== 'record') throw new ContractError(file, 'top level must be an Avro record');
  if (schema.name !== name) throw new ContractError(file, `record name must be "${name}", got ${JSON.stringify(schema.name)}`);
  const namespace = `vn.thahs.${entity}`;
  if (schema.namespace !== namespace) {
    throw new ContractError(file, `namespace must be "${namespace}", got ${JSON.stringify(schema.namespace)}`);
  }
  if (!Array.isArray(schema.fields)) throw new ContractError(file, 'record has no fields array');
  try {
    createAvroType(schema);
  } catch (err) {
    throw new ContractError(file, `not a valid Avro schema: ${err instanceof Error ? err.message : String(err)}`);
  }
  return schema;
}

function describeOrThrow(file: string, field: string, type: unknown, named: NamedEnums): FieldTypeInfo {
  try {
    return describeFieldType(type, named);
  } catch (err) {
    if (err instanceof FieldTypeError) throw new ContractError(file, err.message, field);
    throw err;
  }
}

function checkEnum(file: string, field: string, info: FieldTypeInfo): void {
  const symbols = info.symbols ?? [];
  if (!info.enumName?.includes('.')) throw new ContractError(file, `enum ${info.enumName ?? '?'} must have a namespaced name`, field);
  // A default lets a reader built from an older contract accept a code added later (BACKWARD stays intact).
  if (!symbols.includes('UNKNOWN') || info.enumDefault !== 'UNKNOWN') {
    throw new ContractError(file, `enum ${info.enumName} must list UNKNOWN and have "default": "UNKNOWN"`, field);
  }
  if (info.symbolLabels) checkLabels(file, field, symbols, info.symbolLabels);
}

function checkLabels(file: string, field: string, symbols: readonly string[], labels: Readonly<Record<string, string>>): void {
  const keys = Object.keys(labels);
  const missing = symbols.filter((s) => !labels[s]);
  const extra = keys.filter((k) => !symbols.includes(k));
  if (missing.length || extra.length) {
    throw new ContractError(file, `x-labels must label exactly the symbols (missing: ${missing.join(', ') || '-'}; extra: ${extra.join(', ') || '-'})`, field);
  }
}

const JSON_KEY_KINDS: readonly FieldKind[] = ['string', 'uuid', 'boolean', 'int', 'long', 'double', 'decimal', 'date', 'timestamp', 'enum'];

function readJsonKeys(file: string, field: string, v: unknown): Record<string, Record<string, JsonKeySpec>> {
  if (!isObject(v)) throw new ContractError(file, 'x-json-keys must be an object of groups', field);
  const out: Record<string, Record<string, JsonKeySpec>> = {};
  for (const [group, keys] of Object.entries(v)) {
    if (!isObject(keys)) throw new ContractError(file, `x-json-keys.${group} must be an object of keys`, field);
    out[group] = {};
    for (const [key, spec] of Object.entries(keys)) {
      const where = `${field}.${group}.${key}`;
      if (!isObject(spec) || !JSON_KEY_KINDS.includes(spec.kind as FieldKind)) {
        throw new ContractError(file, `x-json-keys entry needs kind, one of ${JSON_KEY_KINDS.join(', ')}`, where);
      }
      const doc = requireDoc(file, spec.doc, where);
      const entry: JsonKeySpec = { kind: spec.kind as FieldKind, docVi: doc.vi, docEn: doc.en };
      if (spec.kind === 'enum') {
        const symbols = spec.symbols;
        if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === 'string') || !symbols.includes('UNKNOWN')) {
          throw new ContractError(file, 'an enum key needs string symbols including UNKNOWN', where);
        }
        entry.symbols = symbols as string[];
        const labels = spec['x-labels'];
        if (labels !== undefined) {
          if (!isObject(labels)) throw new ContractError(file, 'x-labels must be an object', where);
          checkLabels(file, where, entry.symbols, labels as Record<string, string>);
          entry.symbolLabels = labels as Record<string, string>;
        }
      }
      out[group][key] = entry;
    }
  }
  return out;
}

function readField(file: string, raw: unknown, named: NamedEnums): ContractField {
  if (!isObject(raw) || typeof raw.name !== 'string') throw new ContractError(file, 'every field needs a name');
  const name = raw.name;
  if (!SNAKE_CASE.test(name)) throw new ContractError(file, 'field names are snake_case column names', name);
  const doc = requireDoc(file, raw.doc, name);
  const sensitivity = requireTier(file, raw['x-sensitivity'], name);
  const info = describeOrThrow(file, name, raw.type, named);
  if (info.nullable && !('default' in raw && raw.default === null)) {
    throw new ContractError(file, 'a nullable field needs "default": null', name);
  }
  if (!info.nullable && 'default' in raw && raw.default === null) {
    throw new ContractError(file, 'a required field cannot default to null', name);
  }
  const field: ContractField = { name, kind: info.kind, nullable: info.nullable, docVi: doc.vi, docEn: doc.en, sensitivity };
  if (info.kind === 'enum') {
    checkEnum(file, name, info);
    field.enumName = info.enumName;
    field.symbols = info.symbols;
    if (info.symbolLabels) field.symbolLabels = info.symbolLabels;
  }
  if (info.kind === 'decimal') {
    field.precision = info.precision;
    field.scale = info.scale;
  }
  if (raw['x-json-keys'] !== undefined) {
    if (info.kind !== 'json') throw new ContractError(file, 'x-json-keys is only allowed on a json field', name);
    field.jsonKeys = readJsonKeys(file, name, raw['x-json-keys']);
  }
  return field;
}

function readProviders(file: string, v: unknown): Ministry[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((m) => (MINISTRIES as readonly unknown[]).includes(m)) || new Set(v).size !== v.length) {
    throw new ContractError(file, `x-providers must be a non-empty list of distinct ministries (${MINISTRIES.join(', ')})`);
  }
  return v as Ministry[];
}

/**
 * Checks one entity's key and value schema against the contract conventions and returns its typed view.
 * Errors name the file and, where it applies, the field.
 */
export function contractFromSchemas(
  entity: string,
  keySchema: unknown,
  valueSchema: unknown,
  files: { keyFile: string; valueFile: string } = { keyFile: `${entity}.key.avsc`, valueFile: `${entity}.value.avsc` },
): EntityContract {
  const { keyFile, valueFile } = files;
  if (!SNAKE_CASE.test(entity)) throw new ContractError(valueFile, `entity name "${entity}" must be snake_case`);

  const key = checkRecordHeader(keyFile, keySchema, entity, 'Key');
  requireDoc(keyFile, key.doc);
  const keyFields = (key.fields as unknown[]).map((f) => readField(keyFile, f, new Map()));
  if (keyFields.length !== 1 || keyFields[0].name !== 'id' || keyFields[0].kind !== 'uuid' || keyFields[0].nullable) {
    throw new ContractError(keyFile, 'the key has exactly one field: id, a non-null uuid');
  }

  const value = checkRecordHeader(valueFile, valueSchema, entity, 'Value');
  const doc = requireDoc(valueFile, value.doc);
  const providers = readProviders(valueFile, value['x-providers']);
  const named: NamedEnums = new Map();
  const fields = (value.fields as unknown[]).map((f) => readField(valueFile, f, named));
  if (fields[0]?.name !== 'id') throw new ContractError(valueFile, 'the first field must be id (the record key)', fields[0]?.name);
  for (const common of COMMON_COLUMNS) {
    const f = fields.find((x) => x.name === common.name);
    if (!f) throw new ContractError(valueFile, 'common column missing', common.name);
    if (f.kind !== common.kind || f.nullable !== common.nullable) {
      throw new ContractError(valueFile, `common column must be ${common.nullable ? 'nullable ' : ''}${common.kind}`, common.name);
    }
  }
  const ministry = fields.find((x) => x.name === 'ministry');
  if (!ministry?.symbols?.includes('CAND') || !ministry.symbols.includes('QDND')) {
    throw new ContractError(valueFile, 'ministry enum must list CAND and QDND', 'ministry');
  }

  return {
    entity,
    namespace: `vn.thahs.${entity}`,
    docVi: doc.vi,
    docEn: doc.en,
    providers,
    keySchema: key,
    valueSchema: value,
    keyFields: keyFields.map((f) => f.name),
    fields,
    keyFile,
    valueFile,
  };
}
