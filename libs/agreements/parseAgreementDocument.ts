import { MINISTRIES, type EntityContract, type Ministry } from '../contracts/contractTypes';
import { unprotectableReason } from '../contracts/protectedFields';
import {
  AGREEMENT_FORMAT,
  DISPATCH_CHANNELS,
  type AgreementDocument,
  type ContractLookup,
  type DeletionElement,
  type EntityShare,
  type FieldEncryptionElement,
  type Party,
  type PartyKeys,
  type Purpose,
} from './agreementDocument';
import { AgreementValidationError } from './agreementValidationError';
import { parseInstantMs, parseIsoDate } from './calendar';
import { checkFilterInto, type CheckedFilter } from './checkFilter';
import { DocumentReader, isPlainObject, type Path } from './documentReader';
import { parseIsoDuration } from './isoDuration';
import { FIELD_ENCRYPTION_ALGORITHM, filterFieldNames } from './protectedFields';
import { readRowFilter } from './rowFilter';
import { IssueCollector, type ValidationIssue } from './validationIssue';

export interface ParseAgreementOptions {
  /**
   * Contract lookup used to type-check entities, fields and filters. Without it only the structure and
   * the rules that need no contract are checked (used when a signed event is replayed).
   */
  contracts?: ContractLookup;
}

export type ParseAgreementResult = { ok: true; document: AgreementDocument; filters: ReadonlyMap<string, CheckedFilter | undefined> } | { ok: false; issues: ValidationIssue[] };

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
const PARTY_ID_RE = /^(cand|qdnd)\.[a-z0-9][a-z0-9-]{0,62}$/;
const ENTITY_RE = /^[a-z][a-z0-9_]{0,62}$/;
const FIELD_RE = /^[a-z_][a-z0-9_]{0,62}$/;
const SCHEMA_RE = /^partner_[a-z][a-z0-9_]{0,54}$/;
const KEY_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const PURPOSE_RE = /^[A-Z][A-Z0-9_]{1,63}$/;

/**
 * Validates an agreement document (parsed YAML/JSON) and returns it typed, or every problem found with
 * its path. Checks structure, each of the ten elements, the cross-element rules (parties vs keys vs
 * partner store, scope vs filters, deletion vs projection) and, given contracts, entities, projections
 * and filters against the Avro contracts.
 */
export function parseAgreementDocument(input: unknown, options: ParseAgreementOptions = {}): ParseAgreementResult {
  const issues = new IssueCollector();
  const r = new DocumentReader(issues);
  if (input === undefined || input === null) {
    issues.add([], 'the document is empty');
    return { ok: false, issues: issues.issues };
  }
  const doc = r.object([], input, {
    required: [
      'format',
      'id',
      'version',
      'titleVi',
      'parties',
      'dispatch',
      'data',
      'place',
      'period',
      'method',
      'processing',
      'conditions',
      'commitments',
      'security',
      'storage',
      'deletion',
    ],
    optional: ['titleEn'],
  });
  if (!doc) return { ok: false, issues: issues.issues };

  const format = r.oneOf(['format'], doc.format, [AGREEMENT_FORMAT] as const);
  const id = r.string(['id'], doc.id, { pattern: ID_RE, patternHint: 'an agreement id (3-64 letters, digits, . _ -)' });
  const version = r.positiveInt(['version'], doc.version);
  const titleVi = r.string(['titleVi'], doc.titleVi, { maxLength: 500 });
  const titleEn = r.optionalString(['titleEn'], doc.titleEn, { maxLength: 500 });

  const parties = readParties(r, doc.parties);
  const dispatch = readDispatch(r, doc.dispatch);
  const entities = readEntities(r, doc.data);
  const place = readPlace(r, doc.place, parties);
  const period = readPeriod(r, doc.period);
  const method = readMethod(r, doc.method);
  const processing = readProcessing(r, doc.processing);
  const conditions = readConditions(r, doc.conditions);
  const commitments = r.stringList(['commitments'], doc.commitments, { maxLength: 2000 });
  const security = readSecurity(r, doc.security, parties);
  const storage = readStorage(r, doc.storage);
  const deletion = readDeletion(r, doc.deletion, entities);

  // Scope against filters: "full" promises every row, so a filter would silently break that promise.
  if (method && entities) {
    entities.forEach((e, i) => {
      if (method.scope === 'full' && e?.filter !== undefined) {
        r.fail(['data', 'entities', i, 'filter'], 'method.scope is "full" (every row), so no row filter is allowed; use scope "partial"');
      }
    });
  }

  const filters = new Map<string, CheckedFilter | undefined>();
  if (options.contracts && entities && parties) {
    checkAgainstContracts(r, entities, parties.provider, options.contracts, filters, method?.scope, deletion);
    if (isPlainObject(doc.security)) {
      if (doc.security.fieldEncryption !== undefined) checkSealable(r, entities, options.contracts);
      else checkNoClearTier3(r, entities, options.contracts);
    }
  }

  if (issues.count > 0) return { ok: false, issues: issues.issues };
  const document: AgreementDocument = {
    format: format!,
    id: id!,
    version: version!,
    titleVi: titleVi!,
    ...(titleEn === undefined ? {} : { titleEn }),
    parties: parties!,
    dispatch: dispatch!,
    data: { entities: entities as EntityShare[] },
    place: place!,
    period: period!,
    method: method!,
    processing: processing!,
    conditions: conditions!,
    commitments: commitments!,
    security: security!,
    storage: storage!,
    deletion: deletion!,
  };
  return { ok: true, document, filters };
}

/** Same as parseAgreementDocument, throwing an AgreementValidationError that lists every problem. */
export function validateAgreementDocument(input: unknown, options: ParseAgreementOptions = {}, file?: string): AgreementDocument {
  const r = parseAgreementDocument(input, options);
  if (!r.ok) {
    const id = isPlainObject(input) && typeof input.id === 'string' ? input.id : undefined;
    throw new AgreementValidationError(r.issues, file, id);
  }
  return r.document;
}

function readParty(r: DocumentReader, path: Path, v: unknown): Party | undefined {
  const o = r.object(path, v, { required: ['id', 'ministry', 'nameVi'], optional: ['nameEn'] });
  if (!o) return undefined;
  const id = r.string([...path, 'id'], o.id, { pattern: PARTY_ID_RE, patternHint: 'a party id such as cand.c10 or qdnd.cuc-dths' });
  const ministry = r.oneOf([...path, 'ministry'], o.ministry, MINISTRIES);
  const nameVi = r.string([...path, 'nameVi'], o.nameVi, { maxLength: 300 });
  const nameEn = r.optionalString([...path, 'nameEn'], o.nameEn, { maxLength: 300 });
  if (id !== undefined && ministry !== undefined && !id.startsWith(`${ministry}.`)) {
    return r.fail([...path, 'id'], `party id "${id}" must start with its ministry "${ministry}."`);
  }
  if (id === undefined || ministry === undefined || nameVi === undefined) return undefined;
  return { id, ministry, nameVi, ...(nameEn === undefined ? {} : { nameEn }) };
}

function readParties(r: DocumentReader, v: unknown): AgreementDocument['parties'] | undefined {
  const o = r.object(['parties'], v, { required: ['provider', 'consumers'] });
  if (!o) return undefined;
  const provider = readParty(r, ['parties', 'provider'], o.provider);
  const list = r.list(['parties', 'consumers'], o.consumers, 1);
  if (!list) return undefined;
  const consumers: Party[] = [];
  let ok = provider !== undefined;
  const seen = new Set<string>(provider ? [provider.id] : []);
  list.forEach((item, i) => {
    const p = readParty(r, ['parties', 'consumers', i], item);
    if (!p) {
      ok = false;
      return;
    }
    if (seen.has(p.id)) {
      r.fail(['parties', 'consumers', i, 'id'], `party "${p.id}" appears more than once`);
      ok = false;
    } else if (provider && p.ministry === provider.ministry) {
      r.fail(
        ['parties', 'consumers', i, 'ministry'],
        `a consumer must belong to the other ministry than the provider (${provider.ministry}); exchange happens between the two databases`,
      );
      ok = false;
    }
    seen.add(p.id);
    consumers.push(p);
  });
  return ok ? { provider: provider!, consumers } : undefined;
}

function readDispatch(r: DocumentReader, v: unknown): AgreementDocument['dispatch'] | undefined {
  const o = r.object(['dispatch'], v, { required: ['number', 'date', 'channel'] });
  if (!o) return undefined;
  const number = r.string(['dispatch', 'number'], o.number, { maxLength: 100 });
  const date = r.string(['dispatch', 'date'], o.date);
  if (date !== undefined) {
    const d = parseIsoDate(date);
    if (!d.ok) r.fail(['dispatch', 'date'], d.reason);
  }
  const channel = r.oneOf(['dispatch', 'channel'], o.channel, DISPATCH_CHANNELS);
  if (number === undefined || date === undefined || channel === undefined) return undefined;
  return { number, date, channel };
}

/**
 * The entities, index-aligned with the document: an entry that could not be read is `undefined`, so
 * the others are still checked against the contracts under their own index.
 */
function readEntities(r: DocumentReader, v: unknown): (EntityShare | undefined)[] | undefined {
  const o = r.object(['data'], v, { required: ['entities'] });
  if (!o) return undefined;
  const list = r.list(['data', 'entities'], o.entities, 1);
  if (!list) return undefined;
  const seen = new Set<string>();
  return list.map((item, i) => {
    const path = ['data', 'entities', i];
    const e = r.object(path, item, { required: ['entity', 'fields'], optional: ['filter'] });
    if (!e) return undefined;
    const entity = r.string([...path, 'entity'], e.entity, { pattern: ENTITY_RE, patternHint: 'an entity name' });
    if (entity !== undefined && seen.has(entity)) {
      r.fail([...path, 'entity'], `entity "${entity}" is listed twice; give each entity one entry`);
      return undefined;
    }
    if (entity !== undefined) seen.add(entity);
    const fields = r.stringList([...path, 'fields'], e.fields, { pattern: FIELD_RE, patternHint: 'a field name' });
    const filter = e.filter === undefined ? undefined : readRowFilter(r, [...path, 'filter'], e.filter);
    if (entity === undefined || fields === undefined || (e.filter !== undefined && filter === undefined)) return undefined;
    return { entity, fields, ...(filter === undefined ? {} : { filter }) };
  });
}

function readPlace(r: DocumentReader, v: unknown, parties: AgreementDocument['parties'] | undefined): AgreementDocument['place'] | undefined {
  const o = r.object(['place'], v, { required: ['partnerStore', 'sites'] });
  if (!o) return undefined;
  const ps = r.object(['place', 'partnerStore'], o.partnerStore, { required: ['database', 'schema'] });
  const database = ps ? r.oneOf(['place', 'partnerStore', 'database'], ps.database, MINISTRIES) : undefined;
  const schema = ps ? r.string(['place', 'partnerStore', 'schema'], ps.schema, { pattern: SCHEMA_RE, patternHint: 'a partner schema name such as partner_cand' }) : undefined;
  const sites = r.stringList(['place', 'sites'], o.sites, { maxLength: 500 });
  if (parties && database !== undefined) {
    if (database === parties.provider.ministry) {
      r.fail(['place', 'partnerStore', 'database'], `the partner store must be in the consumers' database, not the provider's (${database})`);
      return undefined;
    }
    const other = parties.consumers.find((c) => c.ministry !== database);
    if (other) {
      r.fail(['place', 'partnerStore', 'database'], `consumer ${other.id} belongs to ${other.ministry} but the partner store is in ${database}`);
      return undefined;
    }
  }
  if (parties && schema !== undefined) {
    const expected = `partner_${parties.provider.ministry}`;
    if (schema !== expected && !schema.startsWith(`${expected}_`)) {
      r.fail(['place', 'partnerStore', 'schema'], `data received from ${parties.provider.ministry} goes to schema ${expected} (or ${expected}_<suffix>), not ${schema}`);
      return undefined;
    }
  }
  if (database === undefined || schema === undefined || sites === undefined) return undefined;
  return { partnerStore: { database: database as Ministry, schema }, sites };
}

function readPeriod(r: DocumentReader, v: unknown): AgreementDocument['period'] | undefined {
  const o = r.object(['period'], v, { required: ['validFrom', 'validTo'] });
  if (!o) return undefined;
  const instant = (key: 'validFrom' | 'validTo'): { text: string; ms: number } | undefined => {
    const text = r.string(['period', key], o[key]);
    if (text === undefined) return undefined;
    const p = parseInstantMs(text);
    if (!p.ok) return r.fail(['period', key], p.reason);
    return { text, ms: p.value };
  };
  const from = instant('validFrom');
  const to = instant('validTo');
  if (!from || !to) return undefined;
  if (to.ms <= from.ms) return r.fail(['period', 'validTo'], `validTo ${to.text} must be after validFrom ${from.text}`);
  return { validFrom: from.text, validTo: to.text };
}

function readMethod(r: DocumentReader, v: unknown): AgreementDocument['method'] | undefined {
  const o = r.object(['method'], v, { required: ['transport', 'scope', 'initialSnapshot'] });
  if (!o) return undefined;
  const transport = r.oneOf(['method', 'transport'], o.transport, ['streaming'] as const);
  const scope = r.oneOf(['method', 'scope'], o.scope, ['full', 'partial'] as const);
  const initialSnapshot = r.boolean(['method', 'initialSnapshot'], o.initialSnapshot);
  if (transport === undefined || scope === undefined || initialSnapshot === undefined) return undefined;
  return { transport, scope, initialSnapshot };
}

function readProcessing(r: DocumentReader, v: unknown): AgreementDocument['processing'] | undefined {
  const o = r.object(['processing'], v, { required: ['description', 'republish', 'derivedDataAllowed'] });
  if (!o) return undefined;
  const description = r.string(['processing', 'description'], o.description, { maxLength: 4000 });
  const republish = r.boolean(['processing', 'republish'], o.republish);
  if (republish === true) {
    r.fail(['processing', 'republish'], "must be false: received data is never re-published as the receiver's own (Art. 3.2)");
  }
  const derivedDataAllowed = r.boolean(['processing', 'derivedDataAllowed'], o.derivedDataAllowed);
  if (description === undefined || republish !== false || derivedDataAllowed === undefined) return undefined;
  return { description, republish, derivedDataAllowed };
}

function readConditions(r: DocumentReader, v: unknown): AgreementDocument['conditions'] | undefined {
  const o = r.object(['conditions'], v, { required: ['purposes', 'restrictions'] });
  if (!o) return undefined;
  const list = r.list(['conditions', 'purposes'], o.purposes, 1);
  const purposes: Purpose[] = [];
  let ok = list !== undefined;
  const codes = new Set<string>();
  list?.forEach((item, i) => {
    const path = ['conditions', 'purposes', i];
    const p = r.object(path, item, { required: ['code', 'description'] });
    const code = p ? r.string([...path, 'code'], p.code, { pattern: PURPOSE_RE, patternHint: 'an UPPER_SNAKE purpose code' }) : undefined;
    const description = p ? r.string([...path, 'description'], p.description, { maxLength: 1000 }) : undefined;
    if (code !== undefined && codes.has(code)) {
      r.fail([...path, 'code'], `purpose ${code} is listed twice`);
      ok = false;
    }
    if (code === undefined || description === undefined) {
      ok = false;
      return;
    }
    codes.add(code);
    purposes.push({ code, description });
  });
  const restrictions = r.stringList(['conditions', 'restrictions'], o.restrictions, { maxLength: 2000 });
  return ok && restrictions ? { purposes, restrictions } : undefined;
}

function readSecurity(r: DocumentReader, v: unknown, parties: AgreementDocument['parties'] | undefined): AgreementDocument['security'] | undefined {
  const o = r.object(['security'], v, {
    required: ['signature', 'digest', 'transport', 'authentication', 'storageEncryption', 'keys'],
    optional: ['fieldEncryption'],
  });
  if (!o) return undefined;
  const signature = r.oneOf(['security', 'signature'], o.signature, ['Ed25519'] as const);
  const digest = r.oneOf(['security', 'digest'], o.digest, ['SHA-256'] as const);
  const transport = r.oneOf(['security', 'transport'], o.transport, ['TLSv1.2', 'TLSv1.3'] as const);
  const authentication = r.oneOf(['security', 'authentication'], o.authentication, ['mTLS', 'SASL_SCRAM_SHA_512'] as const);
  const storageEncryption = r.oneOf(['security', 'storageEncryption'], o.storageEncryption, ['AES-256-GCM', 'AES-256-XTS'] as const);
  const list = r.list(['security', 'keys'], o.keys, 1);
  const keys: PartyKeys[] = [];
  let ok = list !== undefined;
  const partyIds = parties ? [parties.provider, ...parties.consumers].map((p) => p.id) : undefined;
  const keyOwner = new Map<string, string>();
  const covered = new Set<string>();
  list?.forEach((item, i) => {
    const path = ['security', 'keys', i];
    const k = r.object(path, item, { required: ['party', 'keyIds'], optional: ['publicKeySha256'] });
    const party = k ? r.string([...path, 'party'], k.party) : undefined;
    const keyIds = k ? r.stringList([...path, 'keyIds'], k.keyIds, { pattern: KEY_ID_RE, patternHint: 'a key id' }) : undefined;
    if (party === undefined || keyIds === undefined) {
      if (party !== undefined) covered.add(party);
      ok = false;
      return;
    }
    if (partyIds && !partyIds.includes(party)) {
      r.fail([...path, 'party'], `"${party}" is not a party of this agreement (parties: ${partyIds.join(', ')})`);
      ok = false;
    } else if (covered.has(party)) {
      r.fail([...path, 'party'], `party ${party} has two key entries; list all its key ids in one`);
      ok = false;
    }
    covered.add(party);
    keyIds.forEach((keyId, j) => {
      const owner = keyOwner.get(keyId);
      if (owner !== undefined && owner !== party) {
        r.fail([...path, 'keyIds', j], `key ${keyId} is already listed for ${owner}; a key belongs to one party`);
        ok = false;
      }
      keyOwner.set(keyId, party);
    });
    const hashes = k?.publicKeySha256 === undefined ? undefined : keyHashes(r, [...path, 'publicKeySha256'], k.publicKeySha256, keyIds);
    if (hashes === null) ok = false;
    keys.push(hashes ? { party, keyIds, publicKeySha256: hashes } : { party, keyIds });
  });
  if (partyIds && list) {
    for (const p of partyIds) {
      if (!covered.has(p)) {
        r.fail(['security', 'keys'], `party ${p} has no key id; every party signs with a listed key`);
        ok = false;
      }
    }
  }
  const fieldEncryption = o.fieldEncryption === undefined ? undefined : readFieldEncryption(r, o.fieldEncryption, parties, keyOwner);
  if (fieldEncryption === null) ok = false;
  if (!ok || !signature || !digest || !transport || !authentication || !storageEncryption) return undefined;
  return { signature, digest, transport, authentication, storageEncryption, keys, ...(fieldEncryption ? { fieldEncryption } : {}) };
}

const ENCRYPTION_KEY_ID_RE = /^(cand|qdnd)-enc-\d{8}-[0-9a-f]{8}$/;

/** security.fieldEncryption: the receiving ministry's X25519 key, bound by its SHA-256. Null when wrong (reported). */
function readFieldEncryption(
  r: DocumentReader,
  v: unknown,
  parties: AgreementDocument['parties'] | undefined,
  signingKeys: ReadonlyMap<string, string>,
): FieldEncryptionElement | null {
  const path = ['security', 'fieldEncryption'];
  const o = r.object(path, v, { required: ['algorithm', 'keyId', 'publicKeySha256'] });
  if (!o) return null;
  const algorithm = r.oneOf([...path, 'algorithm'], o.algorithm, [FIELD_ENCRYPTION_ALGORITHM] as const);
  const keyId = r.string([...path, 'keyId'], o.keyId, {
    pattern: ENCRYPTION_KEY_ID_RE,
    patternHint: 'an encryption key id <ministry>-enc-<YYYYMMDD>-<8 hex> (thahs keys generate-encryption prints it)',
  });
  const hash = r.string([...path, 'publicKeySha256'], o.publicKeySha256, {
    pattern: SHA256_HEX,
    patternHint: 'the SHA-256 of the encryption public key (64 lowercase hex digits, thahs keys generate-encryption prints it)',
  });
  let ok = algorithm !== undefined && keyId !== undefined && hash !== undefined;
  if (keyId !== undefined) {
    const receiver = parties?.consumers[0]?.ministry;
    const owner = keyId.slice(0, 4);
    if (receiver !== undefined && owner !== receiver) {
      r.fail([...path, 'keyId'], `${keyId} is ${owner}'s key; protected fields are sealed to the receiving ministry's key (${receiver})`);
      ok = false;
    }
    if (signingKeys.has(keyId)) {
      r.fail([...path, 'keyId'], `${keyId} is listed as a signing key of ${signingKeys.get(keyId)}; an encryption key is a key of its own`);
      ok = false;
    }
  }
  return ok ? { algorithm: algorithm!, keyId: keyId!, publicKeySha256: hash! } : null;
}

function readRetention(r: DocumentReader, path: Path, v: unknown): string | undefined {
  const text = r.string(path, v);
  if (text === undefined || text === 'until_end') return text;
  const d = parseIsoDuration(text);
  if (!d.ok) return r.fail(path, `${d.reason}, or "until_end"`);
  return text;
}

function readStorage(r: DocumentReader, v: unknown): AgreementDocument['storage'] | undefined {
  const o = r.object(['storage'], v, { required: ['receivedRetention', 'derivedRetention'] });
  if (!o) return undefined;
  const receivedRetention = readRetention(r, ['storage', 'receivedRetention'], o.receivedRetention);
  const derivedRetention = readRetention(r, ['storage', 'derivedRetention'], o.derivedRetention);
  if (receivedRetention === undefined || derivedRetention === undefined) return undefined;
  return { receivedRetention, derivedRetention };
}

function readDeletion(r: DocumentReader, v: unknown, read: readonly (EntityShare | undefined)[] | undefined): DeletionElement | undefined {
  // "Not shared" can only be said when every entity entry could be read.
  const entities = read?.every((e) => e !== undefined) ? (read as EntityShare[]) : undefined;
  const known = read?.filter((e): e is EntityShare => e !== undefined) ?? [];
  const o = r.object(['deletion'], v, { required: ['method', 'afterEnd'], optional: ['anonymiseFields'] });
  if (!o) return undefined;
  const method = r.oneOf(['deletion', 'method'], o.method, ['hard_delete', 'anonymise'] as const);
  const afterEndText = r.string(['deletion', 'afterEnd'], o.afterEnd);
  let afterEnd = afterEndText;
  if (afterEndText !== undefined) {
    const d = parseIsoDuration(afterEndText);
    if (!d.ok) afterEnd = r.fail(['deletion', 'afterEnd'], d.reason);
  }
  let anonymiseFields: Record<string, readonly string[]> | undefined;
  if (method === 'hard_delete' && o.anonymiseFields !== undefined) {
    r.fail(['deletion', 'anonymiseFields'], 'only applies when method is "anonymise"');
    return undefined;
  }
  if (method === 'anonymise') {
    if (o.anonymiseFields === undefined) {
      r.fail(['deletion', 'anonymiseFields'], 'is required when method is "anonymise": name, per entity, the fields to clear');
      return undefined;
    }
    if (!isPlainObject(o.anonymiseFields)) {
      r.fail(['deletion', 'anonymiseFields'], 'expected a mapping of entity to a list of fields');
      return undefined;
    }
    anonymiseFields = {};
    let ok = true;
    if (Object.keys(o.anonymiseFields).length === 0) {
      r.fail(['deletion', 'anonymiseFields'], 'must name at least one entity');
      ok = false;
    }
    for (const [entity, raw] of Object.entries(o.anonymiseFields)) {
      const path = ['deletion', 'anonymiseFields', entity];
      const fields = r.stringList(path, raw, { pattern: FIELD_RE, patternHint: 'a field name' });
      const share = known.find((e) => e.entity === entity);
      if (entities && !share) {
        r.fail(path, `entity "${entity}" is not shared by this agreement (data.entities)`);
        ok = false;
        continue;
      }
      if (!fields) {
        ok = false;
        continue;
      }
      fields.forEach((f, i) => {
        if (share && !share.fields.includes(f)) {
          r.fail([...path, i], `field "${f}" is not in the projection of ${entity}; only received fields can be anonymised`);
          ok = false;
        }
      });
      anonymiseFields[entity] = fields;
    }
    if (!ok) return undefined;
  }
  if (method === undefined || afterEnd === undefined) return undefined;
  return { method, ...(anonymiseFields ? { anonymiseFields } : {}), afterEnd };
}

function checkAgainstContracts(
  r: DocumentReader,
  entities: readonly (EntityShare | undefined)[],
  provider: Party,
  contracts: ContractLookup,
  filters: Map<string, CheckedFilter | undefined>,
  scope: 'full' | 'partial' | undefined,
  deletion: DeletionElement | undefined,
): void {
  let narrowed = false;
  const byEntity = new Map<string, EntityContract>();
  entities.forEach((e, i) => {
    if (!e) return;
    const path = ['data', 'entities', i];
    const contract = contracts(e.entity);
    if (!contract) {
      r.fail([...path, 'entity'], `no contract for entity "${e.entity}" in schemas/`);
      return;
    }
    byEntity.set(e.entity, contract);
    if (!contract.providers.includes(provider.ministry)) {
      r.fail([...path, 'entity'], `${provider.ministry} does not publish ${e.entity} (publishers: ${contract.providers.join(', ') || 'none'})`);
    }
    const names = new Set(contract.fields.map((f) => f.name));
    e.fields.forEach((f, j) => {
      if (!names.has(f)) r.fail([...path, 'fields', j], `unknown field "${f}" in the contract of ${e.entity}`);
    });
    for (const key of contract.keyFields) {
      if (!e.fields.includes(key)) {
        r.fail([...path, 'fields'], `must include the key field "${key}" of ${e.entity}, which identifies rows in the partner store`);
      }
    }
    if (e.fields.length < contract.fields.length) narrowed = true;
    if (e.filter !== undefined) {
      narrowed = true;
      filters.set(e.entity, checkFilterInto(e.filter, contract, r.issues, [...path, 'filter']));
    } else {
      filters.set(e.entity, undefined);
    }
  });
  if (scope === 'partial' && !narrowed && byEntity.size === entities.length) {
    r.fail(['method', 'scope'], 'is "partial" but every entity is shared whole (all fields, no filter); use "full"');
  }
  if (deletion?.anonymiseFields) {
    for (const [entity, fields] of Object.entries(deletion.anonymiseFields)) {
      const contract = byEntity.get(entity);
      fields.forEach((f, i) => {
        if (contract?.keyFields.includes(f)) {
          r.fail(['deletion', 'anonymiseFields', entity, i], `"${f}" is a key field of ${entity}; keys cannot be anonymised`);
        }
      });
    }
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Under security.fieldEncryption every tier-3 field shared is sealed (protectedFields.ts): each must be
 * of a sealable kind, and no row filter may read one — the receiver re-checks filters on what it
 * receives and cannot read a sealed value.
 */
function checkSealable(r: DocumentReader, entities: readonly (EntityShare | undefined)[], contracts: ContractLookup): void {
  entities.forEach((e, i) => {
    const contract = e ? contracts(e.entity) : undefined;
    if (!e || !contract) return;
    const byName = new Map(contract.fields.map((f) => [f.name, f]));
    const filtered = filterFieldNames(e.filter);
    e.fields.forEach((name, j) => {
      const f = byName.get(name);
      if (!f || f.sensitivity !== 3 || contract.keyFields.includes(name)) return;
      const why = unprotectableReason(contract, f);
      if (why) r.fail(['data', 'entities', i, 'fields', j], `${name} is tier 3 and security.fieldEncryption seals every tier-3 field shared, but ${why}`);
      if (filtered.has(name))
        r.fail(
          ['data', 'entities', i, 'filter'],
          `reads ${name}, a tier-3 field sealed to the receiver's key: the receiver cannot check a filter on a sealed value; filter on another field`,
        );
    });
  });
}

/**
 * Without security.fieldEncryption nothing is sealed (protectedFields.ts), so a tier-3 field shared would
 * travel and be stored in the clear: refused, each such field named, rather than sent unprotected
 * because a document omitted the key.
 */
function checkNoClearTier3(r: DocumentReader, entities: readonly (EntityShare | undefined)[], contracts: ContractLookup): void {
  entities.forEach((e, i) => {
    const contract = e ? contracts(e.entity) : undefined;
    if (!e || !contract) return;
    const tier3 = new Set(contract.fields.filter((f) => f.sensitivity === 3 && !contract.keyFields.includes(f.name)).map((f) => f.name));
    e.fields.forEach((name, j) => {
      if (!tier3.has(name)) return;
      r.fail(
        ['data', 'entities', i, 'fields', j],
        `${name} is a tier-3 field of ${e.entity} and would travel in the clear: name the receiving ministry's encryption key in security.fieldEncryption (every tier-3 field shared is then sealed), or stop sharing ${name}`,
      );
    });
  });
}

/**
 * The SHA-256 of each listed key's public key (SPKI DER, lowercase hex): exactly the key ids listed,
 * each once. Null when it is wrong (reported); documents signed before the field existed have none.
 */
function keyHashes(r: DocumentReader, path: Path, v: unknown, keyIds: readonly string[]): Readonly<Record<string, string>> | null {
  const o = r.object(path, v, { required: keyIds });
  if (!o) return null;
  const out: Record<string, string> = {};
  let ok = true;
  for (const id of keyIds) {
    const h = r.string([...path, id], o[id], { pattern: SHA256_HEX, patternHint: 'the SHA-256 of the public key (64 lowercase hex digits, thahs keys list prints it)' });
    if (h === undefined) ok = false;
    else out[id] = h;
  }
  return ok && Object.keys(o).length === keyIds.length ? out : null;
}
