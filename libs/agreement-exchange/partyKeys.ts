import * as fs from 'fs';
import * as path from 'path';
import { publicKeyRing, signingKeyFromPem, type PartyPublicKey, type PublicKeyLookup, type SigningKey } from '../agreements';
import { generateKeyPair, keyIdFor, PublicKeyRing } from '../signing';
import { PartyKeyError } from './exchangeErrors';

/**
 * Agreement steps and requests are signed by the acting body (a party such as `cand.c10`), not by the
 * ministry's CDC key: an agreement lists one key entry per party and forbids two parties sharing a key,
 * and two bodies of one ministry may be parties of the same agreement (a join, Art. 10.4).
 *
 * The bridge to libs/signing: party keys live in the same folder (THAHS_KEYS_DIR), in the same files,
 * made by the same generator with the party id in place of the ministry, so their key id is
 * `<party>-<YYYYMMDD>-<fingerprint>` (e.g. `cand.c10-20261127-3f9a1c2e`):
 *   <dir>/<keyId>.key.pem           private key of a body of this ministry (0600)
 *   <dir>/public/<keyId>.pub.pem    public keys this ministry trusts, its own and the partner's
 * The party a key belongs to is read from its id, and the id's fingerprint must match the key in the
 * file (a file swapped under another key's name is refused). Which body a public key speaks for is
 * thus what the operator who installs the partner's public file vouches for, as for CDC keys.
 * Ministry CDC keys (`cand-…`) are not party keys and are ignored here.
 */
const PARTY_KEY_ID = /^((?:cand|qdnd)\.[a-z0-9][a-z0-9-]*)-(\d{8})-([0-9a-f]{8})$/;
const PARTY_ID = /^(cand|qdnd)\.[a-z0-9][a-z0-9-]{0,62}$/;
/** libs/signing key ids are at most 64 characters; the suffix takes 18. */
const MAX_PARTY_LENGTH = 46;

export function partyOfKeyId(keyId: string): string | undefined {
  return PARTY_KEY_ID.exec(keyId)?.[1];
}

export function ministryOfParty(party: string): 'cand' | 'qdnd' {
  const m = PARTY_ID.exec(party);
  if (!m) throw new PartyKeyError(party, 'is not a party id (<ministry>.<name>, e.g. cand.c10)');
  return m[1] as 'cand' | 'qdnd';
}

function checkFingerprint(keyId: string, party: string, key: PartyPublicKey['publicKey'], file: string): void {
  const m = PARTY_KEY_ID.exec(keyId)!;
  const day = new Date(`${m[2].slice(0, 4)}-${m[2].slice(4, 6)}-${m[2].slice(6, 8)}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || keyIdFor(party, key, day) !== keyId) {
    throw new PartyKeyError(party, 'the fingerprint in the key id does not match the key in the file', keyId, file);
  }
}

/** Creates a key pair for a body; the public file goes to the partner ministry's keys folder. */
export function generatePartyKey(dir: string, party: string): { keyId: string; privateFile: string; publicFile: string } {
  ministryOfParty(party);
  if (party.length > MAX_PARTY_LENGTH) throw new PartyKeyError(party, `party ids used for keys are at most ${MAX_PARTY_LENGTH} characters`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return generateKeyPair(dir, party);
}

export interface PartyKeyFile {
  party: string;
  keyId: string;
  file: string;
}

/** The private party keys present in the folder (the bodies this ministry can act for). */
export function listPartySigningKeys(dir: string): PartyKeyFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.key.pem'))
    .map((f) => ({ keyId: f.slice(0, -'.key.pem'.length), file: path.join(dir, f) }))
    .flatMap(({ keyId, file }) => {
      const party = partyOfKeyId(keyId);
      return party ? [{ party, keyId, file }] : [];
    })
    .sort((a, b) => a.keyId.localeCompare(b.keyId));
}

/** The newest private key of `party` (by the day in its id). */
export function loadPartySigningKey(dir: string, party: string): SigningKey {
  ministryOfParty(party);
  const own = listPartySigningKeys(dir).filter((k) => k.party === party);
  const newest = own.sort((a, b) => PARTY_KEY_ID.exec(a.keyId)![2].localeCompare(PARTY_KEY_ID.exec(b.keyId)![2]) || a.keyId.localeCompare(b.keyId)).pop();
  if (!newest) throw new PartyKeyError(party, `no private key in ${dir}; create one with: thahs agreement keys generate --party ${party}`);
  let pem: string;
  try {
    pem = fs.readFileSync(newest.file, 'utf8');
  } catch (err) {
    throw new PartyKeyError(party, `unreadable: ${(err as Error).message}`, newest.keyId, newest.file);
  }
  return signingKeyFromPem(newest.keyId, party, pem);
}

/**
 * The party public keys a ministry trusts, read from `<dir>/public`. `lookup` re-reads the folder when
 * it meets an unknown key id (a body's key installed while the service runs), at most once a second.
 */
export class PartyKeyRing {
  private byId = new Map<string, PartyPublicKey>();
  private lookupFn: PublicKeyLookup = () => undefined;
  private lastRefresh = 0;

  private constructor(private readonly dir: string | undefined) {}

  static fromDir(dir: string): PartyKeyRing {
    const ring = new PartyKeyRing(dir);
    ring.refresh();
    return ring;
  }

  /** A fixed ring (tests, keys held elsewhere); never re-read. */
  static of(entries: readonly PartyPublicKey[]): PartyKeyRing {
    const ring = new PartyKeyRing(undefined);
    ring.install(entries);
    return ring;
  }

  refresh(): void {
    if (this.dir === undefined) return;
    this.lastRefresh = Date.now();
    const ring = PublicKeyRing.fromDir(this.dir);
    const entries: PartyPublicKey[] = [];
    for (const keyId of ring.ids()) {
      const party = partyOfKeyId(keyId);
      if (!party) continue;
      const publicKey = ring.get(keyId)!;
      checkFingerprint(keyId, party, publicKey, path.join(this.dir, 'public', `${keyId}.pub.pem`));
      entries.push({ keyId, party, publicKey });
    }
    this.install(entries);
  }

  private install(entries: readonly PartyPublicKey[]): void {
    this.lookupFn = publicKeyRing(entries);
    this.byId = new Map(entries.map((e) => [e.keyId, e]));
  }

  /** For applyEvent: unknown ids trigger one re-read of the folder. */
  readonly lookup: PublicKeyLookup = (keyId) => {
    const hit = this.lookupFn(keyId);
    if (hit || this.dir === undefined || Date.now() - this.lastRefresh < 1000) return hit;
    this.refresh();
    return this.lookupFn(keyId);
  };

  entries(): PartyPublicKey[] {
    return [...this.byId.values()].sort((a, b) => a.keyId.localeCompare(b.keyId));
  }
}
