import type { ContractField, FieldKind } from '../contracts/contractTypes';
import { ReconcileError } from './reconcileError';

/**
 * The canonical row hash both sides compute inside PostgreSQL, so the same agreed data gives the same
 * value whether it sits in the provider's own model or in the receiver's partner store, although their
 * column types differ (char(12) against text, numeric(18,0) against numeric, a json column against
 * jsonb, float4 against double precision).
 *
 * Each agreed field becomes a canonical text (or NULL):
 * - string: the text in Unicode NFC (`normalize(x, NFC)`); a char(n) column as the pipeline carries it,
 *   blank-padded (pgoutput sends bpchar's output form, the partner store keeps it as text);
 * - enum: the symbol; uuid: the lower-case form; boolean: true/false; int, long: decimal digits;
 * - double: the shortest text that reads back as the same float8 (a float4 column is first widened the
 *   way the pipeline widens it: through its own shortest text);
 * - decimal: the number with trailing fractional zeros removed (`trim_scale`), so 12.50 and 12.5 agree;
 * - date: YYYY-MM-DD; timestamp: the instant in UTC to the microsecond, as PostgreSQL's ISO output of
 *   `x AT TIME ZONE 'UTC'` (a one-to-one function of the stored µs value; nothing rounded);
 * - json: the jsonb text (keys sorted, whitespace canonical), in NFC.
 * The field texts are then put, in the agreement's field order, into one text[] whose output form is
 * hashed with `hashtextextended(… COLLATE "C", 0)` (64 bits, over the bytes). PostgreSQL's array output
 * is a one-to-one encoding that depends on no setting: NULL is the bare word NULL, the text 'NULL', ''
 * and any text holding a brace, comma, quote, backslash or white space are double-quoted with `"` and
 * `\` escaped, so NULL, '' and any split between neighbouring fields stay distinct (array_in reads it
 * back). One array costs about a third less than the length-prefixed concatenation of version 1
 * (about 40 text concatenations per row); docs/reconciliation.md has the figures. The field list always
 * starts with the key `id`, so equal contents under different keys never cancel out in a range's sum.
 *
 * Sessions must pin DateStyle (ISO) and extra_float_digits (1); SideSession does.
 */
export const HASH_VERSION = 'thahs-row-hash/2';

/**
 * Code points whose every string is already NFC: U+0001–U+02FF (ASCII, Latin-1, Latin Extended A/B,
 * IPA, spacing modifiers) and U+1E00–U+1EFF (Latin Extended Additional: the precomposed Vietnamese
 * letters). All have canonical combining class 0 and NFC_Quick_Check=Yes, so no character of the set
 * decomposes differently or composes with its neighbour (test/reconcile/canonicalHash.test.ts checks
 * every code point and every pair against PostgreSQL). A row whose texts match skips `normalize`, which
 * costs 4–5× the rest of the row hash; any other text is normalised.
 */
export const NFC_STABLE_PATTERN = '^[\\u0001-\\u02FF\\u1E00-\\u1EFF]*$';

/** A column as the catalog describes it: its type name (the base type of a domain) and whether it is an enum type. */
export interface ColumnType {
  type: string;
  isEnum: boolean;
}

/** One agreed field as SQL over one side's table: its canonical text, and whether NFC applies to it. */
export interface CanonicalField {
  name: string;
  /** Canonical text or NULL; `NULL::text` when the side's table lacks the column. */
  text: string;
  nfc: boolean;
}

const TEXTUAL = new Set(['text', 'varchar', 'bpchar']);
const INTEGERS = new Set(['int2', 'int4', 'int8']);

/** SQL literal of the pattern (standard_conforming_strings is on in every session SideSession opens). */
function patternLiteral(): string {
  return `'${NFC_STABLE_PATTERN}'`;
}

/** The padded text of a char(n) value, NULL kept NULL (concat would turn it into ''). */
function padded(ref: string): string {
  return `CASE WHEN ${ref} IS NULL THEN NULL ELSE concat(${ref}) END`;
}

/**
 * The canonical text of `ref` (a column of type `col`) for a field of `kind`, or a ReconcileError when
 * the column's type is not one the pipeline maps to that kind.
 */
export function canonicalText(field: Pick<ContractField, 'name' | 'kind' | 'protected'>, col: ColumnType | null, ref: string): CanonicalField {
  if (col === null) return { name: field.name, text: 'NULL::text', nfc: false };
  // A sealed (tier-3) field is compared on presence only: the receiver holds ciphertext that differs per
  // seal (random nonce, a key only the receiver's tool holds), the provider plaintext; neither side can
  // compute the other's text, and the reconciler must not open partner values it has no purpose to read.
  if (field.protected) return { name: field.name, text: `CASE WHEN ${ref} IS NULL THEN NULL ELSE 'sealed' END`, nfc: false };
  const t = col.type;
  const bad = (): never => {
    throw new ReconcileError(`column type ${t} cannot hold a ${field.kind} field`, { field: field.name });
  };
  const out = (text: string, nfc = false): CanonicalField => ({ name: field.name, text, nfc });
  const kind: FieldKind = field.kind;
  switch (kind) {
    case 'string':
      if (!TEXTUAL.has(t)) return bad();
      return out(t === 'bpchar' ? padded(ref) : t === 'text' ? ref : `${ref}::text`, true);
    case 'enum':
      if (col.isEnum) return out(`${ref}::text`);
      if (!TEXTUAL.has(t)) return bad();
      return out(t === 'bpchar' ? padded(ref) : t === 'text' ? ref : `${ref}::text`);
    case 'uuid':
      return t === 'uuid' ? out(`${ref}::text`) : bad();
    case 'boolean':
      return t === 'bool' ? out(`${ref}::text`) : bad();
    case 'int':
      return t === 'int2' || t === 'int4' ? out(`${ref}::text`) : bad();
    case 'long':
      return INTEGERS.has(t) ? out(`${ref}::text`) : bad();
    case 'double':
      if (t === 'float8') return out(`${ref}::text`);
      return t === 'float4' ? out(`${ref}::text::float8::text`) : bad();
    case 'decimal':
      if (t === 'numeric') return out(`trim_scale(${ref})::text`);
      return INTEGERS.has(t) ? out(`${ref}::text`) : bad();
    case 'date':
      return t === 'date' ? out(`${ref}::text`) : bad();
    case 'timestamp':
      return t === 'timestamptz' ? out(`(${ref} AT TIME ZONE 'UTC')::text`) : bad();
    case 'json':
      if (t === 'jsonb') return out(`${ref}::text`, true);
      return t === 'json' || t === 'text' ? out(`${ref}::jsonb::text`, true) : bad();
  }
}

/** `<octets>:<text>` for a value, `~` for NULL: the encoding of one field's own hash. */
function encode(text: string): string {
  return `COALESCE(octet_length(${text})::text || ':' || ${text}, '~')`;
}

function nfcText(f: CanonicalField): string {
  return f.nfc ? `normalize(${f.text}, NFC)` : f.text;
}

/**
 * hashtextextended of a text under the "C" collation: a database whose default collation were
 * nondeterministic would otherwise hash a sort key of the text instead of its bytes.
 */
function hashOf(text: string): string {
  return `hashtextextended((${text}) COLLATE "C", 0)`;
}

/** The fields' canonical texts as one text[] in its output form (one-to-one, NULL distinct from every text). */
function arrayText(texts: readonly string[]): string {
  return `ARRAY[${texts.join(', ')}]::text[]::text`;
}

/** SQL of the 64-bit canonical row hash (bigint) over the fields, in the order given. */
export function rowHashSql(fields: readonly CanonicalField[]): string {
  const normalised = hashOf(arrayText(fields.map(nfcText)));
  const texts = fields.filter((f) => f.nfc);
  if (texts.length === 0) return normalised;
  // Only an optimisation: when every text is already NFC both branches give the same value. The texts
  // are joined by || (NULL as '') rather than concat(), which looks up an output function per argument
  // and row: the test then costs a third of the hash instead of as much as the hash.
  const raw = hashOf(arrayText(fields.map((f) => f.text)));
  const joined = texts.map((f) => `COALESCE(${f.text}, '')`).join(' || ');
  return `(CASE WHEN (${joined}) COLLATE "C" ~ ${patternLiteral()} THEN ${raw} ELSE ${normalised} END)`;
}

/** SQL of one field's hash (bigint), with the same encoding as in the row hash: compared to name the fields that differ. */
export function fieldHashSql(field: CanonicalField): string {
  return hashOf(encode(nfcText(field)));
}
