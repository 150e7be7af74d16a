import { createPrivateKey, createPublicKey } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  latestConfirmedVersion,
  partyKeyIds,
  pendingVersion,
  statusAt,
  versionRecordInForce,
  type AgreementDocument,
  type AgreementState,
} from '../../libs/agreements';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { KeyError, loadSigningKey, type SigningKey } from '../../libs/signing';

/** Why the producer signs with this key. */
export type ProducerKeySource = 'in-force' | 'confirmed' | 'pending' | 'ministry-key';

export interface ProducerKeyChoice {
  key: SigningKey;
  source: ProducerKeySource;
  /** Agreements of this tier whose provider entry lists the key. */
  agreements: string[];
  /** Agreements in force for this provider that list no key held here: their receivers refuse the events. */
  uncovered: string[];
}

/**
 * Which key a ministry's CDC producer signs with. A receiver accepts an event only when the key id is
 * listed for the provider body in the agreement version governing it (AppliedPolicy.providerKeyIds)
 * and its public file `<keysDir>/public/<keyId>.pub.pem` verifies the signature; so the producer signs
 * with the provider body's party key (e.g. `cand.c10-…`, made by generatePartyKey in the same folder
 * and format as ministry keys) that the agreements list.
 *
 * Agreements in force come first; then ones confirmed and waiting for their start, then ones still
 * being negotiated, so the key is already right when they come into force. Within a tier the key listed
 * by the most agreements wins (ties: the greatest id, i.e. the newest day). Only a key whose private file
 * is here counts. With none, the ministry's own CDC key signs: receivers then withhold or refuse it.
 */
export function chooseProducerKey(states: readonly AgreementState[], ministry: Ministry, keysDir: string, nowMs: number = Date.now()): ProducerKeyChoice {
  const provided = (doc: AgreementDocument | undefined): doc is AgreementDocument => doc !== undefined && doc.parties.provider.ministry === ministry;
  const tiers: { source: ProducerKeySource; docs: AgreementDocument[] }[] = [
    { source: 'in-force', docs: states.map((s) => versionRecordInForce(s, nowMs)?.document).filter(provided) },
    { source: 'confirmed', docs: states.filter((s) => statusAt(s, nowMs) === 'confirmed').map((s) => latestConfirmedVersion(s)?.document).filter(provided) },
    { source: 'pending', docs: states.filter((s) => !s.termination).map((s) => pendingVersion(s)?.document).filter(provided) },
  ];
  const inForce = tiers[0].docs;
  for (const tier of tiers) {
    const votes = new Map<string, string[]>();
    for (const doc of tier.docs) {
      for (const keyId of partyKeyIds(doc, doc.parties.provider.id)) {
        if (!KEY_ID.test(keyId) || !fs.existsSync(privateFile(keysDir, keyId))) continue;
        votes.set(keyId, [...(votes.get(keyId) ?? []), doc.id]);
      }
    }
    const best = [...votes.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? 1 : -1))[0];
    if (!best) continue;
    const [keyId, agreements] = best;
    return { key: readSigningKey(keysDir, keyId), source: tier.source, agreements, uncovered: uncoveredBy(inForce, keyId) };
  }
  return { key: loadSigningKey(keysDir, ministry), source: 'ministry-key', agreements: [], uncovered: inForce.map((d) => d.id) };
}

function uncoveredBy(docs: readonly AgreementDocument[], keyId: string): string[] {
  return docs.filter((d) => !partyKeyIds(d, d.parties.provider.id).includes(keyId)).map((d) => d.id);
}

/** Key ids come from agreement documents: only a plain file name inside the keys folder is looked at. */
const KEY_ID = /^[a-z0-9][a-z0-9._-]{2,63}$/;

function privateFile(dir: string, keyId: string): string {
  if (!KEY_ID.test(keyId)) throw new KeyError(`invalid key id "${keyId}"`, keyId);
  return path.join(dir, `${keyId}.key.pem`);
}

/** The key pair of one key id, as libs/signing signs Kafka events with it. */
export function readSigningKey(dir: string, keyId: string): SigningKey {
  const file = privateFile(dir, keyId);
  let privateKey;
  try {
    privateKey = createPrivateKey(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KeyError(`cannot read private key: ${(err as Error).message}`, keyId, file);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new KeyError(`expected an Ed25519 key, got ${privateKey.asymmetricKeyType}`, keyId, file);
  return { keyId, privateKey, publicKey: createPublicKey(privateKey) };
}
