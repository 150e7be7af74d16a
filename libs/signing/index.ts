export { eventDigest } from './eventDigest';
export type { SignedEventParts } from './eventDigest';
export { signBatch, EventVerifier } from './batchSigner';
export type { EventProof } from './batchSigner';
export { buildTree, rootFromProof } from './merkleTree';
export { generateKeyPair, loadSigningKey, keyIdFor, PublicKeyRing } from './keyStore';
export type { SigningKey } from './keyStore';
export { VerificationError, KeyError } from './signingError';
export type { VerificationFailure } from './signingError';
