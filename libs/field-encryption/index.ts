export { FieldSealer, FieldOpener, envelopeInfo } from './fieldEnvelope';
export type { FieldPlace } from './fieldEnvelope';
export { generateEncryptionKeyPair, loadEncryptionPublicKey, loadEncryptionPrivateKeys, newestEncryptionKeyId } from './encryptionKeys';
export { FieldEncryptionError } from './fieldEncryptionError';
