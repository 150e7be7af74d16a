import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { KeyObject } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { FIELD_ENCRYPTION_ALGORITHM, publicKeySha256, type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { envelopeInfo, generateEncryptionKeyPair, loadEncryptionPrivateKeys, loadEncryptionPublicKey } from '../../libs/field-encryption';
import { createLogger } from '../../libs/logger';
import { PublicKeyRing } from '../../libs/signing';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { providerKeysOf } from '../../services/cdc-producer/providerKeys';
import { readProtectedFields } from '../../services/cli/protectedRead';
import { confirmedHistory, keyOf, partiesHistory } from '../support/agreementHistory';
import { ConsumerFixture } from '../support/consumerFixture';
import { ProducerFixture } from '../support/producerFixture';
import { exampleAgreement } from '../support/testAgreements';
import { readTopics } from '../support/topicReader';
import { waitFor } from '../support/waitFor';

/**
 * Issue 17's done-means for field protection, on the real stack: a tier-3 field an agreement shares
 * is unreadable in Kafka and in the partner store's raw table, readable through the receiver's tool,
 * and that read is in the access log.
 */
describe('tier-3 fields sealed to the receiver', () => {
  const config = loadConfig();
  const contracts = loadContracts();
  const kafka = new Kafka({ clientId: 'protected-fields-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  const log = createLogger('protected-fields-test', 'error');
  const RELIGION = 'Phật giáo Hòa Hảo';
  const ETHNICITY = 'Khơ Me';
  let keysDir: string;
  let doc: AgreementDocument;
  let fx: ProducerFixture;
  let cfx: ConsumerFixture;
  let dst: Client;
  let policy: AgreementPolicy;
  /** The receiver public keys the provider holds: a rotation's new key is added while it runs. */
  const encryptionKeys = new Map<string, KeyObject>();

  beforeAll(async () => {
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-protected-'));
    const enc = generateEncryptionKeyPair(keysDir, 'qdnd');
    const base = exampleAgreement('cand-to-qdnd');
    doc = {
      ...base,
      id: `TTDL-SEALED-${process.pid}`,
      data: { entities: [{ entity: 'person', fields: ['id', 'ministry', 'full_name', 'is_military', 'ethnicity', 'religion'] }] },
      security: {
        ...base.security,
        fieldEncryption: { algorithm: FIELD_ENCRYPTION_ALGORITHM, keyId: enc.keyId, publicKeySha256: publicKeySha256(loadEncryptionPublicKey(keysDir, enc.keyId)) },
      },
    };
    [fx, cfx] = await Promise.all([ProducerFixture.create('sealed', doc), ConsumerFixture.create({ receiver: 'sealeddst' })]);
    cfx.onClose(() => fx?.close());
    dst = cfx.dst;
    // The provider holds the receiver's public key only.
    encryptionKeys.set(enc.keyId, loadEncryptionPublicKey(keysDir, enc.keyId));
    await fx.producer({ partitions: 1, heartbeatMs: 300, keys: providerKeysOf([fx.key], encryptionKeys) }).start();
    const ring = new PublicKeyRing();
    const providerKey = keyOf(doc, doc.parties.provider.id, fx.keys);
    ring.add(providerKey.keyId, providerKey.publicKeyPem);
    policy = new AgreementPolicy(confirmedHistory(doc, fx.keys).state, 'qdnd', contracts);
    await cfx.consumer({ agreementId: doc.id, entities: ['person'], policy, providerKeys: ring, prefix: fx.prefix, log, contracts }, { applyBatchSize: 200 }).start();
  });

  afterAll(async () => {
    await cfx?.close();
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  it('travels and is stored sealed, opens only through the read command, which logs the read', async () => {
    const ins = await fx.sql.query<{ id: string }>(
      `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military, religion, ethnicity) VALUES ('CAND', 'Thạch Văn Sơn', '1990-05-01', 'M', true, $1, $2) RETURNING id`,
      [RELIGION, ETHNICITY],
    );
    const id = ins.rows[0].id;
    const plain = [Buffer.from(RELIGION, 'utf8'), Buffer.from(ETHNICITY, 'utf8')];

    // Kafka: the record's raw value bytes hold the tier-2 name in the clear (Avro strings are UTF-8) and neither tier-3 value.
    const msgs = await readTopics(kafka, [fx.topic('person')], (m) => m.some((x) => x.key?.includes(Buffer.from(id))));
    const value = msgs.find((x) => x.key?.includes(Buffer.from(id)))!.value!;
    expect(value.includes(Buffer.from('Thạch Văn Sơn', 'utf8'))).toBe(true);
    for (const p of plain) expect(value.includes(p)).toBe(false);

    // Partner store: bytea columns holding the envelope as it arrived.
    const row = await waitFor('the row in the partner store', async () => {
      const r = await dst
        .query<{ religion: Buffer | null; ethnicity: Buffer | null; full_name: string }>('SELECT religion, ethnicity, full_name FROM partner_cand.person WHERE id = $1', [id])
        .catch(() => ({ rows: [] }));
      return r.rows[0];
    });
    expect(row.full_name).toBe('Thạch Văn Sơn');
    for (const [col, p] of [
      [row.religion, plain[0]],
      [row.ethnicity, plain[1]],
    ] as const) {
      expect(Buffer.isBuffer(col)).toBe(true);
      expect(col!.includes(p)).toBe(false);
    }
    const types = await dst.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'partner_cand' AND table_name = 'person' AND column_name IN ('religion', 'ethnicity') ORDER BY 1",
    );
    expect(types.rows).toEqual([
      { column_name: 'ethnicity', data_type: 'bytea' },
      { column_name: 'religion', data_type: 'bytea' },
    ]);
    const textual = await dst.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM partner_cand.person WHERE position(convert_to($1, 'UTF8') IN religion) > 0 OR encode(religion, 'escape') LIKE '%' || $1 || '%'",
      ['Hòa Hảo'],
    );
    expect(textual.rows[0].n).toBe('0');

    // The receiver's tool: refused without an agreement purpose (nothing logged), then opened and logged.
    const state = confirmedHistory(doc, fx.keys).state;
    const request = { db: dst, state, contracts, entity: 'person', rowKey: id, privateKeys: loadEncryptionPrivateKeys(keysDir), who: 'analyst-17', reason: 'request 2026/17' };
    await expect(readProtectedFields({ ...request, purpose: 'CURIOSITY' })).rejects.toThrow(/purpose CURIOSITY is not one of agreement/);
    const purpose = doc.conditions.purposes[0].code;
    const read = await readProtectedFields({ ...request, purpose });
    expect(read).toMatchObject({ found: true, values: { ethnicity: ETHNICITY, religion: RELIGION }, keyIds: [doc.security.fieldEncryption!.keyId] });
    const logged = await dst.query<{ who: string; what: string; purpose: string }>("SELECT who, what, purpose FROM partner_state.access_log WHERE who = 'analyst-17'");
    expect(logged.rows).toHaveLength(1);
    expect(logged.rows[0]).toMatchObject({ purpose });
    expect(logged.rows[0].what).toContain(`partner_cand.person ${id} ethnicity, religion`);
    expect(logged.rows[0].what).toContain('request 2026/17');
    // Without the private key the tool cannot open it either.
    await expect(readProtectedFields({ ...request, purpose, privateKeys: new Map() })).rejects.toThrow(/no private encryption key/);
  });
  it('a rotated receiver key (an amendment naming another key) re-seals every row to it, the rows not changed since too', async () => {
    const ins = await fx.sql.query<{ id: string }>(
      `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military, religion, ethnicity) VALUES ('CAND', 'Lâm Thị Hoa', '1988-03-08', 'F', true, $1, NULL) RETURNING id`,
      [RELIGION],
    );
    const untouched = ins.rows[0].id;
    const oldKey = doc.security.fieldEncryption!.keyId;
    /** The key id of each row's sealed religion in the partner store, by row key. */
    const sealedTo = async (): Promise<Map<string, string>> => {
      const r = await dst
        .query<{ id: string; religion: Buffer }>('SELECT id::text AS id, religion FROM partner_cand.person WHERE religion IS NOT NULL')
        .catch(() => ({ rows: [] as { id: string; religion: Buffer }[] }));
      return new Map(r.rows.map((x) => [x.id, envelopeInfo(x.religion).keyId]));
    };
    await waitFor('the row sealed to the first key', async () => ((await sealedTo()).get(untouched) === oldKey ? true : undefined));
    const rows = (await sealedTo()).size;
    expect(rows).toBeGreaterThanOrEqual(1);

    // Version 2 names a new receiver key; the provider is given its public key, nothing else changes.
    const enc2 = generateEncryptionKeyPair(keysDir, 'qdnd');
    encryptionKeys.set(enc2.keyId, loadEncryptionPublicKey(keysDir, enc2.keyId));
    const v2: AgreementDocument = {
      ...doc,
      version: 2,
      security: {
        ...doc.security,
        fieldEncryption: { algorithm: FIELD_ENCRYPTION_ALGORITHM, keyId: enc2.keyId, publicKeySha256: publicKeySha256(encryptionKeys.get(enc2.keyId)!) },
      },
    };
    const history = partiesHistory(doc, fx.keys);
    history.confirm(doc, { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' });
    const t = Date.now();
    const state = history.confirm(v2, { draft: new Date(t), propose: new Date(t + 1), confirm: new Date(t + 2) });
    policy.update(state);
    fx.feed.set([state]);

    // The producer publishes the whole scope again under version 2 (a scope change, no operator step) ...
    const scope = await waitFor('the producer to take version 2', async () => {
      const r = await fx.sql.query<{ version: number; reason: string; done: boolean }>(
        `SELECT s.version, b.reason, b.done FROM thahs_cdc.route_scope s JOIN thahs_cdc.backfill_progress b USING (agreement_id, entity) WHERE s.agreement_id = $1 AND s.entity = 'person'`,
        [doc.id],
      );
      return r.rows[0]?.version === 2 && r.rows[0].done ? r.rows[0] : undefined;
    });
    expect(scope.reason).toBe('changed');
    // ... so no row stays sealed to the old key only, the one not changed since the rotation included.
    const after = await waitFor('every row sealed to the new key', async () => {
      const m = await sealedTo();
      return m.size === rows && [...m.values()].every((k) => k === enc2.keyId) ? m : undefined;
    });
    expect(after.get(untouched)).toBe(enc2.keyId);
    // The receiver's tool opens it with the new private key alone.
    const onlyNew = new Map([...loadEncryptionPrivateKeys(keysDir)].filter(([k]) => k === enc2.keyId));
    expect(onlyNew.size).toBe(1);
    const read = await readProtectedFields({
      db: dst,
      state,
      contracts,
      entity: 'person',
      rowKey: untouched,
      privateKeys: onlyNew,
      who: 'analyst-17-rotation',
      reason: 'request 2026/17-r',
      purpose: doc.conditions.purposes[0].code,
      fields: ['religion'],
    });
    expect(read).toMatchObject({ found: true, values: { religion: RELIGION }, keyIds: [enc2.keyId] });
  });
});
