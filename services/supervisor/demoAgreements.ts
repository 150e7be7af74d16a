import * as path from 'path';
import { repoRoot } from '../../libs/config/repoRoot';
import { generatePartyKey, listPartySigningKeys, loadPartySigningKey } from '../../libs/agreement-exchange';
import { createPublicKey } from 'crypto';
import { allParties, loadAgreementFile, publicKeySha256, validateAgreementDocument, type AgreementDocument, type ContractLookup } from '../../libs/agreements';
import type { Logger } from '../../libs/logger';

/** The two example agreements `npm start` puts in force on the local stack, one per direction. */
export const DEMO_AGREEMENT_FILES: readonly string[] = [path.join(repoRoot(), 'deploy/agreements/cand-to-qdnd.yaml'), path.join(repoRoot(), 'deploy/agreements/qdnd-to-cand.yaml')];

export function loadDemoTemplates(contracts: ContractLookup, files: readonly string[] = DEMO_AGREEMENT_FILES): Promise<AgreementDocument[]> {
  return Promise.all(files.map((f) => loadAgreementFile(f, { contracts })));
}

/** Every body that is a party of one of the documents. */
export function partiesOf(docs: readonly AgreementDocument[]): string[] {
  return [...new Set(docs.flatMap((d) => allParties(d).map((p) => p.id)))].sort();
}

/**
 * A key pair for each body that has none in the keys folder (the local stack holds both ministries'
 * keys in one folder, each trusting the other's public file there). Returns the key id each body
 * signs with: its newest key, as AgreementExchangeClient loads it.
 */
export function ensurePartyKeys(keysDir: string, parties: readonly string[], log: Logger): Map<string, string> {
  const held = new Set(listPartySigningKeys(keysDir).map((k) => k.party));
  const out = new Map<string, string>();
  for (const party of parties) {
    if (!held.has(party)) {
      const k = generatePartyKey(keysDir, party);
      log.info('generated a party key for the local demo', { party, keyId: k.keyId, dir: keysDir });
    }
    out.set(party, loadPartySigningKey(keysDir, party).keyId);
  }
  return out;
}

const DAY_MS = 86_400_000;

/**
 * The example document as the local demo signs it: the given version, the placeholder key ids of the
 * YAML replaced by the keys each body holds, and a period that contains now (valid-from no later than
 * now, valid-to at least a year ahead), so the version is in force as soon as every party has signed.
 * Checked again against the contracts, as a hand-written document would be.
 */
/** Per key id, the SHA-256 of the public key of the key each party holds in the keys folder (what a demo document binds to the id). */
export function partyKeyHashes(keysDir: string, keyIdOf: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [party, keyId] of keyIdOf) out.set(keyId, publicKeySha256(createPublicKey(loadPartySigningKey(keysDir, party).privateKey)));
  return out;
}

export function demoDocument(
  template: AgreementDocument,
  version: number,
  keyIdOf: ReadonlyMap<string, string>,
  nowMs: number,
  contracts: ContractLookup,
  /** keyId → SHA-256 of its public key (partyKeyHashes): the document binds each id to it. */
  keyHashes?: ReadonlyMap<string, string>,
): AgreementDocument {
  const keyId = (party: string): string => {
    const k = keyIdOf.get(party);
    if (!k) throw new RangeError(`agreement ${template.id}: no key for party ${party}`);
    return k;
  };
  // Whole seconds: agreement instants may not be more precise than a millisecond, and a round value reads better.
  const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const from = Math.min(Date.parse(template.period.validFrom), nowMs - 60_000);
  const to = Math.max(Date.parse(template.period.validTo), nowMs + 365 * DAY_MS);
  const doc: AgreementDocument = {
    ...template,
    version,
    period: {
      validFrom: from === Date.parse(template.period.validFrom) ? template.period.validFrom : iso(from),
      validTo: to === Date.parse(template.period.validTo) ? template.period.validTo : iso(to),
    },
    security: {
      ...template.security,
      keys: template.security.keys.map((k) => {
        const id = keyId(k.party);
        const hash = keyHashes?.get(id);
        return hash ? { party: k.party, keyIds: [id], publicKeySha256: { [id]: hash } } : { party: k.party, keyIds: [id] };
      }),
    },
  };
  return validateAgreementDocument(JSON.parse(JSON.stringify(doc)) as unknown, { contracts });
}
