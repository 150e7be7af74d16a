import { createPublicKey, generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventRefusal, KeyBindingError, parseAgreementText, publicKeySha256, type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { Kafka, logLevel } from 'kafkajs';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { createLogger } from '../../libs/logger';
import { PublicKeyRing } from '../../libs/signing';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import { ConsumerFixture, testConsumer } from '../support/consumerFixture';
import { bindKeys, confirmedHistory, installKeys, keyOf, partyKeys, type PartyKey } from '../support/agreementHistory';
import { exampleAgreement } from '../support/testAgreements';

/**
 * Issue 14 item 12 (first half): key ids carry a 32-bit fingerprint only, so the agreement binds each
 * key id to the SHA-256 of its public key. A key file under a listed id holding another key is refused
 * with an error naming the key id and the agreement: the apply consumer does not start on it, and an
 * agreement signature made with it is refused.
 */
const config = loadConfig();
const contracts = loadContracts();
const log = createLogger('key-binding-test', 'error');
const prefix = `kb${Date.now()}`;

describe('agreements bind key ids to the SHA-256 of their public keys (issue 14 item 12)', () => {
  let fx: ConsumerFixture;
  const dirs: string[] = [];
  let doc: AgreementDocument;
  let keys: PartyKey[];

  const keysFolder = (held: readonly PartyKey[]): PublicKeyRing => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-keybinding-'));
    dirs.push(dir);
    installKeys(dir, held, []);
    return PublicKeyRing.fromDir(dir);
  };
  const consumer = (ring: PublicKeyRing): ApplyConsumer =>
    testConsumer({
      agreementId: doc.id,
      entities: ['person'],
      policy: new AgreementPolicy(confirmedHistory(doc, keys).state, 'qdnd', contracts),
      providerKeys: ring,
      pgUrl: fx.receiver.url,
      prefix,
      log,
      contracts,
    });

  beforeAll(async () => {
    const base = { ...exampleAgreement('cand-to-qdnd'), id: 'TTDL-KEYBINDING' };
    keys = partyKeys([base]);
    doc = bindKeys(base, keys);
    fx = await ConsumerFixture.create({ receiver: 'keybinding' });
    // The topic the provider's producer would make: the consumer with the right key starts for real.
    const admin = new Kafka({ clientId: 'key-binding-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: agreementTopic(prefix, 'cand', doc.id, 'person'), numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
  });

  afterAll(async () => {
    await fx?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('the document format carries the hashes, and a malformed one is reported at its path', () => {
    const providerKey = keyOf(doc, doc.parties.provider.id, keys);
    const text = JSON.stringify(doc);
    const lookup = (e: string) => (contracts.has(e) ? contracts.get(e) : undefined);
    expect(parseAgreementText(text, 'bound.json', { contracts: lookup }).security.keys.find((k) => k.party === doc.parties.provider.id)?.publicKeySha256).toEqual({
      [providerKey.keyId]: publicKeySha256(createPublicKey(providerKey.publicKeyPem)),
    });
    const bad = JSON.parse(text) as { security: { keys: { publicKeySha256: Record<string, string> }[] } };
    bad.security.keys[0].publicKeySha256 = { [Object.keys(bad.security.keys[0].publicKeySha256)[0]]: 'abc' };
    expect(() => parseAgreementText(JSON.stringify(bad), 'bad.json', { contracts: lookup })).toThrow(/publicKeySha256.*SHA-256 of the public key/s);
  });

  it('the consumer starts on the key the agreement binds, and refuses a key file under the same id with another key', async () => {
    const providerKey = keyOf(doc, doc.parties.provider.id, keys);
    const good = consumer(keysFolder([providerKey]));
    await good.start();
    await good.stop();

    const { publicKey } = generateKeyPairSync('ed25519');
    const impostor: PartyKey = { ...providerKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    const bad = consumer(keysFolder([impostor]));
    const err = await bad.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await bad.stop().catch(() => undefined);
    expect(err).toBeInstanceOf(KeyBindingError);
    expect(err).toMatchObject({ keyId: providerKey.keyId, agreementId: 'TTDL-KEYBINDING', expectedSha256: publicKeySha256(createPublicKey(providerKey.publicKeyPem)) });
    expect((err as Error).message).toContain(providerKey.keyId);
    expect((err as Error).message).toContain('TTDL-KEYBINDING');
  });

  it('an agreement signature made with another key under a listed id is refused', () => {
    const providerKey = keyOf(doc, doc.parties.provider.id, keys);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const impostor: PartyKey = {
      ...providerKey,
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    const swapped = keys.map((k) => (k.keyId === providerKey.keyId ? impostor : k));
    let refusal: unknown;
    try {
      confirmedHistory(doc, swapped);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(EventRefusal);
    expect(refusal).toMatchObject({ code: 'key_not_bound' });
  });
});
