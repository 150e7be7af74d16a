import { sign, verify } from 'crypto';
import { canonicalJson, sha256Hex, type PublicKeyLookup, type SigningKey } from '../agreements';
import type { RequestEvent, UnsignedRequestEvent } from './requestEvent';

/** Request events are signed like agreement events: Ed25519 over the canonical JSON without `signature`. */
function signedText(e: UnsignedRequestEvent | RequestEvent): string {
  const { signature: _omit, ...rest } = e as RequestEvent;
  return canonicalJson(rest);
}

export function signRequestEvent(unsigned: UnsignedRequestEvent, key: SigningKey): RequestEvent {
  if (unsigned.actor !== key.party || unsigned.keyId !== key.keyId) {
    throw new RangeError(`request event actor/keyId ${unsigned.actor}/${unsigned.keyId} do not match signing key ${key.party}/${key.keyId}`);
  }
  const signature = sign(null, Buffer.from(signedText(unsigned), 'utf8'), key.privateKey).toString('base64');
  return { ...unsigned, signature } as RequestEvent;
}

/** Why the signature does not hold against the key ring, or undefined when it does. */
export function requestSignatureProblem(e: RequestEvent, keys: PublicKeyLookup): string | undefined {
  const key = keys(e.keyId);
  if (!key) return `unknown key ${e.keyId}`;
  if (key.party !== e.actor) return `key ${e.keyId} belongs to ${key.party}, not to the actor ${e.actor}`;
  let ok = false;
  try {
    ok = verify(null, Buffer.from(signedText(e), 'utf8'), key.publicKey, Buffer.from(e.signature, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? undefined : `the request signature (key ${e.keyId}) does not verify`;
}

/** sha256 of the whole signed event: what the next event of the request names as `prev`. */
export function requestEventHash(e: RequestEvent): string {
  return sha256Hex(canonicalJson(e));
}
