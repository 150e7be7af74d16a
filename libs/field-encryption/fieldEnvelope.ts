import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'crypto';
import { FieldEncryptionError } from './fieldEncryptionError';

/**
 * The envelope a protected (tier-3) field travels and is stored in: the value sealed with AES-256-GCM
 * under a data key of the agreement's, and that data key wrapped to the receiving ministry's X25519
 * key (ephemeral-static ECDH, HKDF-SHA-256, AES-256-GCM). Only Node's crypto.
 *
 *   'T' 'F' 0x01 | keyIdLen u8 | keyId | agreementIdLen u8 | agreementId
 *   | ephemeral public key (32) | wrap nonce (12) | wrapped data key (32) | wrap tag (16)
 *   | value nonce (12) | value tag (16) | ciphertext
 *
 * Everything before the value nonce is the header; it is the same for every value sealed with one data
 * key, so the key is wrapped once per agreement and sealer, not per value. The value's associated data
 * is the header plus entity, field and row key: a ciphertext moved to another row, field, agreement or
 * key fails to open instead of showing one person's religion under another's record. The header names
 * the key id and agreement id, both opaque identifiers (no personal data), so the receiver knows which
 * private key opens it.
 */
const MAGIC = Buffer.from([0x54, 0x46, 0x01]);
const PUB = 32;
const NONCE = 12;
const TAG = 16;
const DATA_KEY = 32;
const WRAPPED = PUB + NONCE + DATA_KEY + TAG;
/** Random 96-bit nonces stay safe for 2^32 seals under one key (NIST SP 800-38D); a sealer rotates well before. */
const SEALS_PER_DATA_KEY = 2 ** 31;
/** The raw X25519 public key is the last 32 bytes of its SPKI DER. */
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export interface FieldPlace {
  entity: string;
  field: string;
  /** The row's key (its uuid), so a value opens only under the row it was sealed for. */
  rowKey: string;
}

function rawPublic(key: KeyObject): Buffer {
  const der = key.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - PUB);
}

function publicFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

function keyEncryptionKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer, agreementId: string, keyId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), `thahs-field-data-key/1\u0000${agreementId}\u0000${keyId}`, DATA_KEY));
}

function shortText(s: string, what: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length === 0 || b.length > 255) throw new FieldEncryptionError(`${what} must be 1–255 bytes`);
  return Buffer.concat([Buffer.from([b.length]), b]);
}

function associatedData(header: Buffer, place: FieldPlace): Buffer {
  return Buffer.concat([header, Buffer.from(`\u0000${place.entity}\u0000${place.field}\u0000${place.rowKey}`, 'utf8')]);
}

/** Seals values of one agreement to one receiver key with one data key (a new one every 2^31 values). */
export class FieldSealer {
  private header!: Buffer;
  private dataKey!: Buffer;
  private seals = 0;

  constructor(
    readonly agreementId: string,
    readonly recipientKeyId: string,
    private readonly recipientKey: KeyObject,
  ) {
    if (recipientKey.asymmetricKeyType !== 'x25519')
      throw new FieldEncryptionError(`the receiver's key must be X25519, got ${recipientKey.asymmetricKeyType}`, { agreementId, keyId: recipientKeyId });
    this.rotate();
  }

  /** A fresh data key, wrapped to the receiver. */
  private rotate(): void {
    const eph = generateKeyPairSync('x25519');
    const ephRaw = rawPublic(eph.publicKey);
    const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: this.recipientKey });
    const kek = keyEncryptionKey(shared, ephRaw, rawPublic(this.recipientKey), this.agreementId, this.recipientKeyId);
    this.dataKey = randomBytes(DATA_KEY);
    const nonce = randomBytes(NONCE);
    const c = createCipheriv('aes-256-gcm', kek, nonce);
    const wrapped = Buffer.concat([c.update(this.dataKey), c.final()]);
    this.header = Buffer.concat([MAGIC, shortText(this.recipientKeyId, 'key id'), shortText(this.agreementId, 'agreement id'), ephRaw, nonce, wrapped, c.getAuthTag()]);
    this.seals = 0;
  }

  seal(plaintext: Buffer, place: FieldPlace): Buffer {
    if (++this.seals > SEALS_PER_DATA_KEY) this.rotate();
    const nonce = randomBytes(NONCE);
    const c = createCipheriv('aes-256-gcm', this.dataKey, nonce);
    c.setAAD(associatedData(this.header, place));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([this.header, nonce, c.getAuthTag(), ct]);
  }
}

interface ParsedEnvelope {
  keyId: string;
  agreementId: string;
  header: Buffer;
  ephemeral: Buffer;
  wrapNonce: Buffer;
  wrappedKey: Buffer;
  wrapTag: Buffer;
  nonce: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function readShort(b: Buffer, p: number, what: string): { text: string; next: number } {
  if (p >= b.length) throw new FieldEncryptionError(`envelope truncated before the ${what}`);
  const n = b[p];
  if (n === 0 || p + 1 + n > b.length) throw new FieldEncryptionError(`envelope's ${what} is malformed`);
  return { text: b.toString('utf8', p + 1, p + 1 + n), next: p + 1 + n };
}

function parse(envelope: Buffer): ParsedEnvelope {
  if (envelope.length < MAGIC.length || !envelope.subarray(0, MAGIC.length).equals(MAGIC)) throw new FieldEncryptionError('not a field envelope (format 1)');
  const k = readShort(envelope, MAGIC.length, 'key id');
  const a = readShort(envelope, k.next, 'agreement id');
  let p = a.next;
  if (envelope.length < p + WRAPPED + NONCE + TAG) throw new FieldEncryptionError('envelope truncated', { keyId: k.text, agreementId: a.text });
  const take = (n: number): Buffer => envelope.subarray(p, (p += n));
  const ephemeral = take(PUB);
  const wrapNonce = take(NONCE);
  const wrappedKey = take(DATA_KEY);
  const wrapTag = take(TAG);
  const header = envelope.subarray(0, p);
  const nonce = take(NONCE);
  const tag = take(TAG);
  return { keyId: k.text, agreementId: a.text, header, ephemeral, wrapNonce, wrappedKey, wrapTag, nonce, tag, ciphertext: envelope.subarray(p) };
}

/** Which key and agreement an envelope names (opaque identifiers), without opening it. */
export function envelopeInfo(envelope: Buffer): { keyId: string; agreementId: string } {
  const { keyId, agreementId } = parse(envelope);
  return { keyId, agreementId };
}

/** The receiver's side: opens envelopes with the private keys it holds; unwrapped data keys are cached per header. */
export class FieldOpener {
  private readonly dataKeys = new Map<string, Buffer>();

  constructor(private readonly privateKeys: ReadonlyMap<string, KeyObject>) {}

  open(envelope: Buffer, place: FieldPlace, expectedAgreementId?: string): Buffer {
    const e = parse(envelope);
    const ctx = { agreementId: e.agreementId, entity: place.entity, field: place.field, keyId: e.keyId };
    if (expectedAgreementId !== undefined && e.agreementId !== expectedAgreementId)
      throw new FieldEncryptionError(`sealed under agreement ${e.agreementId}, expected ${expectedAgreementId}`, ctx);
    const cacheKey = e.header.toString('base64');
    let dataKey = this.dataKeys.get(cacheKey);
    if (!dataKey) {
      const priv = this.privateKeys.get(e.keyId);
      if (!priv) throw new FieldEncryptionError(`no private encryption key ${e.keyId} here`, ctx);
      try {
        const shared = diffieHellman({ privateKey: priv, publicKey: publicFromRaw(e.ephemeral) });
        const kek = keyEncryptionKey(shared, e.ephemeral, rawPublic(createPublicKey(priv)), e.agreementId, e.keyId);
        const d = createDecipheriv('aes-256-gcm', kek, e.wrapNonce);
        d.setAuthTag(e.wrapTag);
        dataKey = Buffer.concat([d.update(e.wrappedKey), d.final()]);
      } catch {
        throw new FieldEncryptionError('the data key does not unwrap with this key (tampered header or another key)', ctx);
      }
      this.dataKeys.set(cacheKey, dataKey);
    }
    try {
      const d = createDecipheriv('aes-256-gcm', dataKey, e.nonce);
      d.setAAD(associatedData(e.header, place));
      d.setAuthTag(e.tag);
      return Buffer.concat([d.update(e.ciphertext), d.final()]);
    } catch {
      throw new FieldEncryptionError('the value does not authenticate (tampered, or sealed for another row or field)', ctx);
    }
  }
}
