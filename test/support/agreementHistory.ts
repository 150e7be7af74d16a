import { createPrivateKey, createPublicKey } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  generateSigningKey,
  publicKeySha256,
  type AgreementDocument,
  type AgreementEvent,
  type AgreementState,
  type SigningKey as AgreementSigningKey,
} from '../../libs/agreements';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import type { SigningKey as EventSigningKey } from '../../libs/signing';

/** One party key as a keys folder holds it; the same pair signs agreement events and, for a provider, Kafka events. */
export interface PartyKey {
  keyId: string;
  party: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * Fresh keys for every party of the documents, one per party (the first key id listed for it). A key id
 * listed in several documents gets one pair, so a ministry signs every agreement and every event with it.
 */
export function partyKeys(docs: readonly AgreementDocument[]): PartyKey[] {
  const byId = new Map<string, PartyKey>();
  for (const doc of docs) {
    for (const k of doc.security.keys) {
      const keyId = k.keyIds[0];
      if (byId.has(keyId)) continue;
      const g = generateSigningKey(keyId, k.party);
      byId.set(keyId, { keyId, party: k.party, privateKeyPem: g.privateKeyPem, publicKeyPem: g.publicKeyPem });
    }
  }
  return [...byId.values()];
}

/** The document binding each listed key id to the SHA-256 of the public key `keys` holds for it (security.keys[].publicKeySha256). */
export function bindKeys(doc: AgreementDocument, keys: readonly PartyKey[]): AgreementDocument {
  const hashOf = (keyId: string): string => {
    const k = keys.find((x) => x.keyId === keyId);
    if (!k) throw new Error(`no key ${keyId} to bind in ${doc.id}`);
    return publicKeySha256(createPublicKey(k.publicKeyPem));
  };
  const bound = doc.security.keys.map((k) => ({ ...k, publicKeySha256: Object.fromEntries(k.keyIds.map((id) => [id, hashOf(id)])) }));
  return { ...doc, security: { ...doc.security, keys: bound } };
}

/** The key listed first for a party of the document. */
export function keyOf(doc: AgreementDocument, party: string, keys: readonly PartyKey[]): PartyKey {
  const keyId = doc.security.keys.find((k) => k.party === party)?.keyIds[0];
  const key = keys.find((k) => k.keyId === keyId);
  if (!key) throw new Error(`no key for party ${party} of ${doc.id}`);
  return key;
}

/** The key in the form the CDC producer signs events with. */
export function eventSigningKey(key: PartyKey): EventSigningKey {
  const privateKey = createPrivateKey(key.privateKeyPem);
  return { keyId: key.keyId, privateKey, publicKey: createPublicKey(privateKey) };
}

function agreementSigningKey(key: PartyKey): AgreementSigningKey {
  return { keyId: key.keyId, party: key.party, privateKey: createPrivateKey(key.privateKeyPem) };
}

/**
 * The signed history of one document confirmed by every party: the provider drafts and proposes, each
 * consumer confirms, each signing with its key from `keys`.
 */
export function confirmedHistory(
  doc: AgreementDocument,
  keys: readonly PartyKey[],
  times: { draft: string; propose: string; confirm: string } = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' },
): { state: AgreementState; events: AgreementEvent[] } {
  const h = partiesHistory(doc, keys);
  const state = h.confirm(doc, times);
  return { state, events: h.events };
}

/** An empty history of `doc`'s agreement whose parties sign with their keys from `keys`: a test confirms versions (amendments) on it. */
export function partiesHistory(doc: AgreementDocument, keys: readonly PartyKey[]): AgreementHistory {
  const parties = [doc.parties.provider, ...doc.parties.consumers];
  return new AgreementHistory(
    doc,
    parties.map((p) => agreementSigningKey(keyOf(doc, p.id, keys))),
  );
}

/**
 * Writes a keys folder as the services read it (THAHS_KEYS_DIR): `<keyId>.key.pem` (0600) for each
 * private key given and `public/<keyId>.pub.pem` for every key.
 */
export function installKeys(keysDir: string, keys: readonly PartyKey[], withPrivate: readonly string[] = keys.map((k) => k.keyId)): void {
  fs.mkdirSync(path.join(keysDir, 'public'), { recursive: true, mode: 0o700 });
  for (const k of keys) {
    fs.writeFileSync(path.join(keysDir, 'public', `${k.keyId}.pub.pem`), k.publicKeyPem);
    if (withPrivate.includes(k.keyId)) fs.writeFileSync(path.join(keysDir, `${k.keyId}.key.pem`), k.privateKeyPem, { mode: 0o600 });
  }
}

/** Writes `<dir>/<agreementId>.events.json`, the history file the apply consumer loads. */
export function writeHistory(dir: string, events: readonly AgreementEvent[]): string {
  if (events.length === 0) throw new RangeError('an empty history puts nothing in force');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${events[0].agreementId}.events.json`);
  fs.writeFileSync(file, JSON.stringify(events, null, 2));
  return file;
}
