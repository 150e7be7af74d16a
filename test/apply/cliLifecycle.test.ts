import { createPrivateKey, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { createLogger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { generateKeyPair } from '../../libs/signing';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { loadAgreementHistories } from '../../services/apply-consumer/agreementHistories';
import { createApplyConsumerSet } from '../../services/apply-consumer/main';
import type { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import type { HistoryFollower } from '../../services/apply-consumer/historyFollower';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { eventSigningKey, installKeys, keyOf, partyKeys, writeHistory } from '../support/agreementHistory';
import { testProducer } from '../support/producerFixture';
import { ScratchDatabase } from '../support/scratchDatabase';
import { exampleAgreement } from '../support/testAgreements';
import { waitFor } from '../support/waitFor';

/**
 * The consumer as `thahs apply-consumer --agreements <dir>` builds it follows the folder's histories
 * while it runs: a termination signed after its start is enforced (the partner data is deleted as
 * element 10 requires) without a restart. It used to read the histories once.
 */
const config = loadConfig();
const contracts = loadContracts();
const prefix = `l${randomUUID().slice(0, 8)}`;
const log = createLogger('cli-lifecycle-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const FIRST = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };

describe('the CLI-started consumer follows lifecycle changes', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-cli-lifecycle-'));
  const keysDir = path.join(work, 'keys');
  const agreementsDir = path.join(work, 'agreements');
  let source: ScratchDatabase;
  let receiver: ScratchDatabase;
  let src: Client;
  let dst: Client;
  let producer: CdcProducer;
  let consumers: ApplyConsumer[] = [];
  let follower: HistoryFollower | undefined;

  afterAll(async () => {
    follower?.stop();
    for (const c of consumers) await c.stop().catch(() => undefined);
    await producer?.stop().catch(() => undefined);
    await src?.end().catch(() => undefined);
    await dst?.end().catch(() => undefined);
    await source?.drop().catch(() => undefined);
    await receiver?.drop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a termination written to the folder after the start deletes the partner data', async () => {
    const base = exampleAgreement('cand-to-qdnd');
    const doc = {
      ...base,
      id: `TTDL-CLI-${prefix}`,
      data: { entities: base.data.entities.filter((e) => e.entity === 'person') },
      deletion: { method: 'hard_delete' as const, afterEnd: 'P0D' },
    };
    // One key per party: the provider's signs its agreement events and its Kafka events alike.
    const keys = partyKeys([doc]);
    const history = new AgreementHistory(
      doc,
      keys.map((k) => ({ keyId: k.keyId, party: k.party, privateKey: createPrivateKey(k.privateKeyPem) })),
    );
    history.confirm(doc, FIRST);
    installKeys(keysDir, keys, []);
    generateKeyPair(keysDir, 'qdnd');
    writeHistory(agreementsDir, history.events);
    process.env.THAHS_KEYS_DIR = keysDir;

    source = await ScratchDatabase.create(config.candPgUrl, 'clisrc');
    receiver = await ScratchDatabase.create(config.qdndPgUrl, 'clidst');
    await migrate(source.url, 'cand');
    await migrate(receiver.url, 'qdnd');
    src = new Client({ connectionString: source.url });
    dst = new Client({ connectionString: receiver.url });
    for (const c of [src, dst]) await c.connect();
    for (let i = 0; i < 3; i++)
      await src.query(`INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military) VALUES ('CAND', $1, '1990-01-01', 'M', true)`, [`Quân nhân ${i}`]);

    // The provider follows the same folder; its events are signed with the key the agreement lists.
    producer = testProducer(
      {
        pgUrl: source.url,
        signingKeys: [eventSigningKey(keyOf(doc, doc.parties.provider.id, keys))],
        agreements: () => loadAgreementHistories(agreementsDir, keysDir, contracts),
        prefix,
        log,
        contracts,
      },
      { partitions: 2, heartbeatMs: 300 },
    );
    await producer.start();

    const set = await createApplyConsumerSet({ receiver: 'qdnd', provider: 'cand', agreements: agreementsDir, topicPrefix: prefix, dbUrl: receiver.url });
    consumers = set.consumers;
    follower = set.follower;
    for (const c of consumers) await c.start();
    follower.start();
    await waitFor('the partner store filled', async () => ((await dst.query('SELECT 1 FROM partner_cand.person')).rowCount ?? 0) === 3 || undefined);

    // Terminated now, signed by the provider, written to the folder the running consumer was started from.
    history.terminate(new Date(), 'Chấm dứt theo công văn 150/C10-P4');
    writeHistory(agreementsDir, history.events);
    await waitFor('the partner data deleted', async () => ((await dst.query('SELECT 1 FROM partner_cand.person')).rowCount ?? 0) === 0 || undefined, 60_000);
    const records = await dst.query<{ reason: string }>('SELECT reason FROM partner_state.deletion_record');
    expect(records.rows.map((r) => r.reason)).toEqual(['agreement_end']);
  });
});
