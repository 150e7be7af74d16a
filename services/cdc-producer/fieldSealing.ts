import type { KeyObject } from 'crypto';
import { publicKeySha256 } from '../../libs/agreements';
import { FieldSealer } from '../../libs/field-encryption';
import { writeVarInt } from '../../libs/kafka/recordBody';
import type { RouteRules } from './agreementPlan';

/** Where the receiver's encryption public keys come from (keysFolderProviderKeys reads THAHS_KEYS_DIR/public/encryption). */
export interface EncryptionKeySource {
  encryptionKey?(keyId: string): KeyObject | undefined;
}

/**
 * Bytes a sealed field may add to its text in the row encoder's scratch buffer: the envelope header
 * (magic, key id and agreement id of at most 255 bytes each, the wrapped data key), the value's nonce
 * and tag, and the longer length prefix.
 */
export const SEAL_SLACK = 3 + 256 + 256 + 92 + 28 + 5;

/** One sealer, hence one data key, per agreement and receiver key for the life of the process. */
const sealers = new WeakMap<EncryptionKeySource, Map<string, FieldSealer>>();

/**
 * The sealer of a route: undefined when its version seals nothing (the encoder then has no sealing
 * step at all), null when it seals and the receiver's key is missing here or is not the key the
 * agreement binds to its id — the route then cannot publish, as without a signing key, and its changes
 * are parked until the key is installed; never a value in the clear.
 */
export function routeSealer(rules: RouteRules, keys: EncryptionKeySource): FieldSealer | undefined | null {
  const to = rules.sealTo;
  if (!to) return undefined;
  let mine = sealers.get(keys);
  if (!mine) sealers.set(keys, (mine = new Map()));
  const k = `${rules.agreementId}\u0000${to.keyId}`;
  const held = mine.get(k);
  if (held) return held;
  const key = keys.encryptionKey?.(to.keyId);
  if (!key || key.asymmetricKeyType !== 'x25519' || publicKeySha256(key) !== to.publicKeySha256) return null;
  const sealer = new FieldSealer(rules.agreementId, to.keyId, key);
  mine.set(k, sealer);
  return sealer;
}

/** Writes the Avro bytes of the value text `src[s, e)` sealed for (entity, field, row). */
export function writeSealed(sealer: FieldSealer, entity: string, field: string, rowKey: string, src: Buffer, s: number, e: number, buf: Buffer, p: number): number {
  const sealed = sealer.seal(src.subarray(s, e), { entity, field, rowKey });
  p = writeVarInt(buf, p, sealed.length);
  sealed.copy(buf, p);
  return p + sealed.length;
}
