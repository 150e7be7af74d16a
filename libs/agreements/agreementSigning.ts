import { sign, verify } from 'crypto';
import type { AgreementDocument } from './agreementDocument';
import type { PublicKeyLookup, SigningKey } from './agreementKeys';
import type { AgreementEvent, DocumentSignature, UnsignedAgreementEvent } from './agreementEvent';
import { canonicalJson, sha256Hex } from './canonicalJson';

/**
 * Ed25519 signatures over canonical JSON: of a document version (a party's confirmation of exactly
 * that text) and of a lifecycle event (who did what, when, after which previous event).
 */
export function agreementDocumentHash(doc: AgreementDocument): string {
  return sha256Hex(canonicalJson(doc));
}

export function signAgreementDocument(doc: AgreementDocument, key: SigningKey): DocumentSignature {
  const text = canonicalJson(doc);
  return {
    party: key.party,
    keyId: key.keyId,
    algorithm: 'Ed25519',
    documentHash: sha256Hex(text),
    signature: sign(null, Buffer.from(text, 'utf8'), key.privateKey).toString('base64'),
  };
}

/** Why a document signature does not hold, or undefined when it does. */
export function documentSignatureProblem(doc: AgreementDocument, sig: DocumentSignature, keys: PublicKeyLookup): string | undefined {
  const key = keys(sig.keyId);
  if (!key) return `unknown key ${sig.keyId}`;
  if (key.party !== sig.party) return `key ${sig.keyId} belongs to ${key.party}, not ${sig.party}`;
  const text = canonicalJson(doc);
  if (sha256Hex(text) !== sig.documentHash) return `the signature is for document ${sig.documentHash.slice(0, 12)}…, not this version`;
  const ok = safeVerify(text, sig.signature, key.publicKey);
  return ok ? undefined : `the document signature of ${sig.party} (key ${sig.keyId}) does not verify`;
}

export function verifyAgreementDocumentSignature(doc: AgreementDocument, sig: DocumentSignature, keys: PublicKeyLookup): boolean {
  return documentSignatureProblem(doc, sig, keys) === undefined;
}

function signedEventText(e: UnsignedAgreementEvent | AgreementEvent): string {
  const { kind, agreementId, version, actor, at, prev, keyId, payload } = e;
  return canonicalJson({ kind, agreementId, version, actor, at, prev, keyId, payload });
}

export function signAgreementEvent(unsigned: UnsignedAgreementEvent, key: SigningKey): AgreementEvent {
  if (unsigned.actor !== key.party || unsigned.keyId !== key.keyId) {
    throw new RangeError(`event actor/keyId ${unsigned.actor}/${unsigned.keyId} do not match signing key ${key.party}/${key.keyId}`);
  }
  const signature = sign(null, Buffer.from(signedEventText(unsigned), 'utf8'), key.privateKey).toString('base64');
  return { ...unsigned, signature } as AgreementEvent;
}

/** Verifies the event signature against the key ring alone (not the lifecycle rules). */
export function eventSignatureProblem(e: AgreementEvent, keys: PublicKeyLookup): string | undefined {
  const key = keys(e.keyId);
  if (!key) return `unknown key ${e.keyId}`;
  if (key.party !== e.actor) return `key ${e.keyId} belongs to ${key.party}, not to the actor ${e.actor}`;
  return safeVerify(signedEventText(e), e.signature, key.publicKey) ? undefined : `the event signature (key ${e.keyId}) does not verify`;
}

/** sha256 of the whole signed event: what the next event's `prev` must name. */
export function agreementEventHash(e: AgreementEvent): string {
  return sha256Hex(canonicalJson(e));
}

function safeVerify(text: string, signatureB64: string, key: Parameters<typeof verify>[2]): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}
