import { CatalogAgreement, catalogAgreements, CatalogAgreementSource } from './catalogAgreement';
import { schemaFingerprint } from './catalogFingerprint';
import { PROVIDER_NAMES_VI } from './catalogLabels';
import { ContractRegistry } from './contractRegistry';
import { describeFieldType } from './fieldKind';
import { COMPATIBILITY_RULE, ContractField, FieldKind, JsonKeySpec, Ministry, SensitivityTier } from './contractTypes';

export { PROVIDER_NAMES_VI };

/**
 * The service catalogue (Art. 6.3, 7.2–7.3) as data: what catalog.json holds and what the Markdown and
 * HTML renderings show. Built from the contract and the published agreements given, in a fixed
 * order, so the same inputs always yield the same catalogue.
 */
export interface CatalogCode {
  code: string;
  labelVi?: string;
}

export interface CatalogField {
  name: string;
  /** Avro type as shown to readers, e.g. "int (date)", "bytes (decimal 18,0)", "enum Sex". */
  avroType: string;
  kind: FieldKind;
  nullable: boolean;
  sensitivity: SensitivityTier;
  docVi: string;
  docEn: string;
  enumName?: string;
  codes?: CatalogCode[];
  jsonKeys?: CatalogJsonKey[];
}

export interface CatalogJsonKey {
  group: string;
  key: string;
  /** JSON value type, e.g. "string (YYYY-MM-DD)". */
  jsonType: string;
  docVi: string;
  docEn: string;
  codes?: CatalogCode[];
}

/** One agreement version sharing an entity: the topic its provider publishes that entity to. */
export interface CatalogService {
  agreementId: string;
  agreementVersion: number;
  /** Anchor of the agreement's section. */
  agreementAnchor: string;
  provider: Ministry;
  providerVi: string;
  receivers: Ministry[];
  topic: string;
  keySubject: string;
  valueSubject: string;
  compatibility: typeof COMPATIBILITY_RULE;
}

export interface CatalogMinistry {
  ministry: Ministry;
  ministryVi: string;
}

export interface CatalogEntity {
  entity: string;
  namespace: string;
  docVi: string;
  docEn: string;
  /** Ministries whose databases hold the entity (the contract's providers); they publish it only under an agreement. */
  heldBy: CatalogMinistry[];
  /** The agreement versions sharing the entity; none means nothing of it is published. */
  services: CatalogService[];
  key: CatalogField[];
  fields: CatalogField[];
  /** SHA-256 of the Avro Parsing Canonical Form, as registries and clients compare schemas. */
  fingerprints: { key: string; value: string };
  keySchema: Record<string, unknown>;
  valueSchema: Record<string, unknown>;
}

export interface CatalogTier {
  tier: SensitivityTier;
  labelVi: string;
  labelEn: string;
}

export interface CatalogDocument {
  catalogVersion: 2;
  titleVi: string;
  titleEn: string;
  compatibility: { rule: typeof COMPATIBILITY_RULE; descriptionVi: string; descriptionEn: string };
  wireFormatVi: string;
  wireFormatEn: string;
  publicationVi: string;
  publicationEn: string;
  typeConventions: Array<{ avroType: string; representationVi: string; representationEn: string }>;
  sensitivityTiers: CatalogTier[];
  /** The published agreement versions (deploy/agreements), by id then version; empty for a contract-only catalogue. */
  agreements: CatalogAgreement[];
  entities: CatalogEntity[];
}

export const SENSITIVITY_TIERS: readonly CatalogTier[] = [
  { tier: 1, labelVi: 'Dữ liệu tham chiếu, mã, ngày quyết định, số tiền', labelEn: 'Reference data, codes, decision dates, amounts' },
  {
    tier: 2,
    labelVi: 'Chỉ chia sẻ khi thỏa thuận nêu tên trường; che trong nhật ký',
    labelEn: 'Shared only when the agreement names the field; masked in logs',
  },
  {
    tier: 3,
    labelVi: 'Loại trừ trừ khi thỏa thuận nêu tên trường; mã hóa cấp trường',
    labelEn: 'Excluded unless the agreement names the field; field-level encryption',
  },
];

const KIND_LABELS: Readonly<Record<FieldKind, string>> = {
  string: 'string',
  uuid: 'string (uuid)',
  boolean: 'boolean',
  int: 'int',
  long: 'long',
  double: 'double',
  decimal: 'bytes (decimal)',
  date: 'int (date)',
  timestamp: 'long (timestamp-micros)',
  enum: 'enum',
  json: 'string (JSON)',
};

/** Inside a JSON-valued field, values follow JSON conventions rather than Avro's (see typeConventions). */
const JSON_KIND_LABELS: Readonly<Record<FieldKind, string>> = {
  string: 'string',
  uuid: 'string (uuid)',
  boolean: 'boolean',
  int: 'number (int)',
  long: 'number (long)',
  double: 'number',
  decimal: 'string (decimal)',
  date: 'string (YYYY-MM-DD)',
  timestamp: 'string (ISO 8601)',
  enum: 'string (enum)',
  json: 'object',
};

function shortName(full: string): string {
  return full.slice(full.lastIndexOf('.') + 1);
}

function avroTypeLabel(kind: FieldKind, f: { enumName?: string; precision?: number; scale?: number }): string {
  if (kind === 'enum' && f.enumName) return `enum ${shortName(f.enumName)}`;
  if (kind === 'decimal' && f.precision !== undefined) return `bytes (decimal ${f.precision},${f.scale ?? 0})`;
  return KIND_LABELS[kind];
}

function codesOf(symbols: readonly string[] | undefined, labels: Readonly<Record<string, string>> | undefined): CatalogCode[] | undefined {
  if (!symbols) return undefined;
  return symbols.map((code) => (labels?.[code] ? { code, labelVi: labels[code] } : { code }));
}

function jsonKeysOf(jsonKeys: ContractField['jsonKeys']): CatalogJsonKey[] | undefined {
  if (!jsonKeys) return undefined;
  const out: CatalogJsonKey[] = [];
  // Group order follows the contract (the event-type order of the code list), as does key order.
  for (const [group, keys] of Object.entries(jsonKeys)) {
    for (const [key, spec] of Object.entries(keys) as Array<[string, JsonKeySpec]>) {
      const entry: CatalogJsonKey = { group, key, jsonType: JSON_KIND_LABELS[spec.kind], docVi: spec.docVi, docEn: spec.docEn };
      const codes = codesOf(spec.symbols, spec.symbolLabels);
      if (codes) entry.codes = codes;
      out.push(entry);
    }
  }
  return out;
}

function catalogField(f: ContractField): CatalogField {
  const out: CatalogField = {
    name: f.name,
    avroType: avroTypeLabel(f.kind, f),
    kind: f.kind,
    nullable: f.nullable,
    sensitivity: f.sensitivity,
    docVi: f.docVi,
    docEn: f.docEn,
  };
  if (f.enumName) out.enumName = f.enumName;
  const codes = codesOf(f.symbols, f.symbolLabels);
  if (codes) out.codes = codes;
  const keys = jsonKeysOf(f.jsonKeys);
  if (keys) out.jsonKeys = keys;
  return out;
}

function keyFieldsOf(schema: Record<string, unknown>): CatalogField[] {
  // The loader has already checked the key's conventions (one non-null uuid field with a bilingual doc).
  const fields = schema.fields as Array<{ name: string; type: unknown; doc: string; 'x-sensitivity': SensitivityTier }>;
  return fields.map((f) => {
    const info = describeFieldType(f.type);
    const [docVi, docEn] = f.doc.split(' | ');
    return { name: f.name, avroType: avroTypeLabel(info.kind, info), kind: info.kind, nullable: info.nullable, sensitivity: f['x-sensitivity'], docVi, docEn };
  });
}

function servicesOf(entity: string, agreements: readonly CatalogAgreement[]): CatalogService[] {
  return agreements.flatMap((a) =>
    a.entities
      .filter((e) => e.entity === entity)
      .map((e) => ({
        agreementId: a.id,
        agreementVersion: a.version,
        agreementAnchor: a.anchor,
        provider: a.provider.ministry,
        providerVi: a.provider.ministryVi,
        receivers: [...new Set(a.consumers.map((c) => c.ministry))].sort(),
        topic: e.topic,
        keySubject: e.keySubject,
        valueSubject: e.valueSubject,
        compatibility: e.compatibility,
      })),
  );
}

/** Every (entity, service) pair of the catalogue, agreement by agreement, each in entity order: the rows of the services table. */
export function servicesByAgreement(doc: CatalogDocument): Array<{ entity: CatalogEntity; service: CatalogService }> {
  const order = new Map(doc.agreements.map((a, i) => [a.anchor, i]));
  const pairs = doc.entities.flatMap((entity) => entity.services.map((service) => ({ entity, service })));
  // Array.prototype.sort is stable: within an agreement the entity order stays.
  return pairs.sort((x, y) => (order.get(x.service.agreementAnchor) ?? 0) - (order.get(y.service.agreementAnchor) ?? 0));
}

/**
 * The catalogue of the contract in `registry` and of the published agreement versions in
 * `agreements` (plain data: libs/agreements catalogAgreementSources builds it from agreement files).
 * Without agreements it is the contract alone, and no entity lists a service.
 */
export function buildCatalog(registry: ContractRegistry, agreements: readonly CatalogAgreementSource[] = []): CatalogDocument {
  const entities: CatalogEntity[] = registry.list().map((c) => ({
    entity: c.entity,
    namespace: c.namespace,
    docVi: c.docVi,
    docEn: c.docEn,
    heldBy: [...c.providers].sort().map((m) => ({ ministry: m, ministryVi: PROVIDER_NAMES_VI[m] })),
    services: [],
    key: keyFieldsOf(c.keySchema),
    fields: c.fields.map(catalogField),
    fingerprints: { key: schemaFingerprint(c.keySchema), value: schemaFingerprint(c.valueSchema) },
    keySchema: c.keySchema,
    valueSchema: c.valueSchema,
  }));
  const published = catalogAgreements(agreements, registry, entities);
  for (const e of entities) e.services = servicesOf(e.entity, published);
  return {
    catalogVersion: 2,
    titleVi: 'Danh mục dịch vụ trao đổi dữ liệu THAHS',
    titleEn: 'THAHS data exchange service catalogue',
    compatibility: {
      rule: COMPATIBILITY_RULE,
      descriptionVi:
        'Phiên bản lược đồ mới phải đọc được dữ liệu ghi bằng phiên bản trước: trường mới phải có giá trị mặc định; được xóa trường; ' +
        'không đổi kiểu, tên bản ghi hay tỷ lệ thập phân; mã liệt kê có mặc định UNKNOWN nên được thêm mã mới.',
      descriptionEn:
        'A new schema version must read data written with the previous one: new fields need a default; fields may be removed; ' +
        'types, record names and decimal scales do not change; enums default to UNKNOWN, so codes may be added.',
    },
    wireFormatVi:
      'Avro nhị phân theo khung Confluent (1 byte 0, 4 byte mã lược đồ, dữ liệu Avro); khóa Kafka là bản ghi Key chỉ chứa id (UUID, không mang dữ liệu cá nhân); ' +
      'subject theo chiến lược TopicNameStrategy: <topic>-key và <topic>-value.',
    wireFormatEn:
      'Avro binary in the Confluent framing (magic byte 0, 4-byte schema id, Avro data); the Kafka key is the Key record holding only id (a UUID, no personal data); ' +
      'subjects follow TopicNameStrategy: <topic>-key and <topic>-value.',
    publicationVi:
      'Dữ liệu chỉ rời bên cung cấp theo một thỏa thuận đang có hiệu lực (Điều 3.4, 10.1): mỗi thỏa thuận có chủ đề riêng cho từng thực thể được chia sẻ, ' +
      'thahs.<bộ cung cấp>.<mã thỏa thuận>.<thực thể>, chỉ chứa các trường và các bản ghi mà phiên bản đang có hiệu lực chia sẻ. ' +
      'Lược đồ giá trị của chủ đề chỉ gồm các trường được chia sẻ; mọi trường trừ khóa đều là ["null", T] mặc định null để các phiên bản của thỏa thuận đọc được bản ghi của nhau, ' +
      'còn việc trường nào được phép rỗng vẫn do hợp đồng dữ liệu quyết định. Thực thể không có trong thỏa thuận nào thì không được công bố.',
    publicationEn:
      'Data leaves its provider only under an agreement in force (Art. 3.4, 10.1): each agreement has a topic of its own per shared entity, ' +
      'thahs.<provider>.<agreement id>.<entity>, holding only the fields and rows the version in force shares. ' +
      'The topic\'s value schema holds only the shared fields; every field but the key is ["null", T] with default null so that the versions of an agreement read one another\'s records, ' +
      'while the data contract still decides which fields may be null. An entity no agreement shares is not published.',
    typeConventions: [
      { avroType: 'string (uuid)', representationVi: 'UUID dạng chuỗi 8-4-4-4-12 ký tự thập lục phân', representationEn: 'UUID as a string of 8-4-4-4-12 hex digits' },
      { avroType: 'int (date)', representationVi: 'Số ngày kể từ 1970-01-01', representationEn: 'Days since 1970-01-01' },
      {
        avroType: 'long (timestamp-micros)',
        representationVi: 'Số micro giây kể từ 1970-01-01T00:00:00Z (UTC)',
        representationEn: 'Microseconds since 1970-01-01T00:00:00Z (UTC)',
      },
      {
        avroType: 'bytes (decimal p,s)',
        representationVi: 'Số nguyên không tỷ lệ, bù hai, big-endian; số tiền tính bằng đồng (decimal 18,0)',
        representationEn: "Unscaled two's-complement big-endian integer; amounts in VND (decimal 18,0)",
      },
      {
        avroType: 'string (JSON)',
        representationVi: 'Chuỗi chứa một đối tượng JSON; ngày dạng YYYY-MM-DD, thời điểm theo ISO 8601, số tiền là chuỗi chữ số',
        representationEn: 'A string holding a JSON object; dates as YYYY-MM-DD, instants in ISO 8601, amounts as digit strings',
      },
      {
        avroType: 'enum',
        representationVi: 'Mã liệt kê; mặc định UNKNOWN khi người đọc chưa biết mã',
        representationEn: 'Code; readers that do not know a code read UNKNOWN',
      },
      { avroType: '["null", T]', representationVi: 'Trường cho phép rỗng, mặc định null', representationEn: 'Nullable field, default null' },
    ],
    sensitivityTiers: [...SENSITIVITY_TIERS],
    agreements: published,
    entities,
  };
}
