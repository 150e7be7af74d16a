import { generateKeyPairSync, randomUUID } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import type { AgreementDocument, AgreementState } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { parseMeta } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { createLogger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import type { SigningKey } from '../../libs/signing';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { testProducer } from '../support/producerFixture';
import { ScratchDatabase } from '../support/scratchDatabase';
import { exampleAgreement } from '../support/testAgreements';
import { sleep, waitFor } from '../support/waitFor';

/**
 * A backfill is planned under the version in force when the producer decides on it, but its rows are
 * read from a snapshot whose time is only known once the snapshot's temporary slot exists — and
 * creating a slot waits for every transaction running at that moment (seconds under load, as long as
 * an operator's session keeps one open). A version that comes into force meanwhile must win: no row
 * may be published under a version with a commit time at which that version no longer was in force
 * (found by the publication property test under load: snapshot rows under version 1 after version 2).
 * Here an open transaction holds the snapshot of version 2's backfill until version 3 is in force.
 */
const config = loadConfig();
const contracts = loadContracts();
const prefix = `r${randomUUID().slice(0, 8)}`;
const log = createLogger('snapshot-version-race-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'snapshot-version-race-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const PERSONS = 20;

function signingKey(keyId: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}

describe('a backfill whose version goes out of force while its snapshot is taken', () => {
  let source: ScratchDatabase;
  let src: Client;
  let blocker: Client | undefined;
  let producer: CdcProducer | undefined;
  let current: AgreementState[] = [];

  beforeAll(async () => {
    source = await ScratchDatabase.create(config.candPgUrl, 'snaprace');
    await migrate(source.url, 'cand');
    src = new Client({ connectionString: source.url });
    await src.connect();
    for (let i = 0; i < PERSONS; i++) {
      await src.query(`INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military, prior_convictions) VALUES ('CAND', $1, '1990-01-01', 'M', true, 0)`, [
        `Người ${i}`,
      ]);
    }
  });

  afterAll(async () => {
    await blocker?.end().catch(() => undefined);
    await producer?.stop().catch(() => undefined);
    await src?.end().catch(() => undefined);
    await source?.drop().catch(() => undefined);
  });

  it('publishes nothing under the superseded version and backfills under the one in force', async () => {
    const base = exampleAgreement('cand-to-qdnd');
    const doc = (version: number, fields: string[]): AgreementDocument => ({
      ...base,
      id: `TTDL-RACE-${prefix}`,
      version,
      data: { entities: [{ entity: 'person', fields }] },
      method: { ...base.method, scope: 'partial' },
    });
    const history = new AgreementHistory(doc(1, ['id', 'ministry', 'full_name']));
    current = [
      history.confirm(doc(1, ['id', 'ministry', 'full_name']), { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' }),
    ];
    const key = signingKey('cand-c10-2025');
    producer = testProducer({ pgUrl: source.url, signingKeys: [key], agreements: async () => current, prefix, log, contracts }, { partitions: 1, heartbeatMs: 300 });
    await producer.start();
    const topic = agreementTopic(prefix, 'cand', doc(1, []).id, 'person');
    const records = async (): Promise<{ version: number; commitMs: number }[]> =>
      (await readTopicWindow(kafka, topic, { count: 1_000_000 })).map((m) => {
        const meta = parseMeta(m.headers);
        return { version: meta.agreementVersion, commitMs: meta.commitTs / 1000 };
      });
    await waitFor('the initial snapshot under version 1', async () => ((await records()).filter((r) => r.version === 1).length >= PERSONS ? true : undefined), 60_000);

    // An open transaction with an xid: a temporary slot cannot be created until it ends.
    blocker = new Client({ connectionString: source.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT txid_current()');

    // Version 2 widens (a field added): a backfill under version 2, whose snapshot now waits.
    const t2 = Date.now();
    current = [history.confirm(doc(2, ['id', 'ministry', 'full_name', 'sex']), { draft: new Date(t2), propose: new Date(t2 + 1), confirm: new Date(t2 + 2) })];
    await waitFor(
      'the backfill snapshot waiting for the open transaction',
      async () =>
        (
          await src.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'walsender' AND query LIKE 'CREATE_REPLICATION_SLOT thahs_resnap_%' AND wait_event IS NOT NULL`,
          )
        ).rows[0].n > 0 || undefined,
      30_000,
    );

    // Version 3 widens again and comes into force while the snapshot still waits.
    const t3 = Date.now();
    const v3Start = t3 + 1000;
    current = [history.confirm(doc(3, ['id', 'ministry', 'full_name', 'sex', 'date_of_birth']), { draft: new Date(t3), propose: new Date(t3 + 1), confirm: new Date(v3Start) })];
    // The producer polls its agreements every 500 ms: it knows version 3 well before the release.
    await sleep(3000);
    expect(Date.now()).toBeGreaterThan(v3Start);
    await blocker.query('COMMIT');

    await waitFor('the backfill under version 3', async () => ((await records()).filter((r) => r.version === 3).length >= PERSONS ? true : undefined), 60_000);
    const late = (await records()).filter((r) => r.version === 2 && r.commitMs >= v3Start);
    expect(late).toEqual([]);
  }, 180_000);
});
