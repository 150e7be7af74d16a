/**
 * The published data contract (schemas/) as the rest of the code sees it. The Avro files are the
 * source of truth; this is the typed view the producer, the agreement validator, the filter compiler
 * and the catalogue work from.
 */
export type Ministry = 'cand' | 'qdnd';
export const MINISTRIES: readonly Ministry[] = ['cand', 'qdnd'] as const;

/** Scalar kinds a contract field can have, after unwrapping a nullable union and logical types. */
export type FieldKind =
  | 'string'
  | 'uuid'
  | 'boolean'
  | 'int'
  | 'long'
  | 'double'
  | 'decimal'
  | 'date' // Avro int, logicalType date (days since epoch)
  | 'timestamp' // Avro long, logicalType timestamp-micros
  | 'enum'
  | 'json'; // a string carrying JSON (e.g. biometric references)

/** DOMAIN.md §4: 1 reference data, 2 shared only when named, 3 excluded unless named and field-encrypted. */
export type SensitivityTier = 1 | 2 | 3;

export interface ContractField {
  name: string;
  kind: FieldKind;
  nullable: boolean;
  /** Enum symbols, in contract order (only for kind 'enum'). */
  symbols?: readonly string[];
  /** Decimal precision/scale (only for kind 'decimal'). */
  precision?: number;
  scale?: number;
  docVi: string;
  docEn: string;
  sensitivity: SensitivityTier;
  /** Full name of the enum type, e.g. vn.thahs.common.Sex (only for kind 'enum'). */
  enumName?: string;
  /** Vietnamese label of each enum symbol (`x-labels`), when the contract gives them. */
  symbolLabels?: Readonly<Record<string, string>>;
  /** For kind 'json': the keys the JSON object may carry, grouped by a discriminating code (e.g. event_type). */
  jsonKeys?: Readonly<Record<string, Readonly<Record<string, JsonKeySpec>>>>;
  /**
   * Sealed to the receiving ministry's key (libs/field-encryption): the value travels as Avro bytes and
   * is stored as bytea. Never set by the contract files: only on the view of a contract an agreement
   * protecting the field makes (protectFields).
   */
  protected?: true;
}

/** One key of a JSON-valued field, as documented by the contract's `x-json-keys` attribute. */
export interface JsonKeySpec {
  kind: FieldKind;
  docVi: string;
  docEn: string;
  symbols?: readonly string[];
  symbolLabels?: Readonly<Record<string, string>>;
}

export interface EntityContract {
  /** Entity name, also the table name and the topic suffix: thahs.<ministry>.<entity>. */
  entity: string;
  /** Avro namespace, e.g. vn.thahs.person. */
  namespace: string;
  docVi: string;
  docEn: string;
  /** Ministries whose databases publish this entity. */
  providers: readonly Ministry[];
  keySchema: Record<string, unknown>;
  valueSchema: Record<string, unknown>;
  keyFields: readonly string[];
  fields: readonly ContractField[];
  /** Paths of the .avsc files the contract was loaded from (absent for contracts built in memory). */
  keyFile?: string;
  valueFile?: string;
}

/** Schema-registry compatibility rule of every subject (Confluent semantics: new readers read old data). */
export const COMPATIBILITY_RULE = 'BACKWARD';

export type SubjectPart = 'key' | 'value';
