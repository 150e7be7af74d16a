import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { exchangeTopicsWithPrefix } from '../../libs/agreement-exchange';
import { loadConfig } from '../../libs/config';
import { fetchTopicOffsetsSettled } from '../../libs/kafka';
import { createLogger, type Logger } from '../../libs/logger';
import { createAgreementSyncService } from '../../services/agreement-sync/main';
import { ScratchDatabase } from '../support/scratchDatabase';
import { capturedLogger } from './support/capturedLog';
import { ScratchBroker } from './support/scratchBroker';

/** Java's String.hashCode, as Kafka uses it to place a group on a __consumer_offsets partition. */
function offsetsPartition(groupId: string, partitions = 50): number {
  let h = 0;
  for (const ch of groupId) h = (Math.imul(31, h) + ch.charCodeAt(0)) | 0;
  return (h & 0x7fffffff) % partitions;
}

/**
 * Issue 16: every start of `npm start` on a stack whose broker had just (re)started logged kafkajs
 * "The coordinator is loading" crashes of the agreement-sync consumers at error level — three lines
 * per attempt. A restarted broker loads each __consumer_offsets partition before it serves the groups
 * on it; a partition with history takes a while. This test makes that window wide on a broker of its
 * own (thousands of offset commits on the partitions of the sync groups, then a restart) and starts
 * both ministries' sync services right after the broker answers: no line may be at error level.
 */
describe('agreement-sync on a freshly restarted broker', () => {
  const prefix = `q${randomUUID().slice(0, 8)}`;
  let broker: ScratchBroker;
  let db: ScratchDatabase;
  let keysDir: string;

  beforeAll(async () => {
    broker = await ScratchBroker.create();
    await broker.start();
    db = await ScratchDatabase.create(loadConfig().candPgUrl, 'quietstart');
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-quietstart-keys-'));
    fs.mkdirSync(path.join(keysDir, 'public'));
  });

  afterAll(async () => {
    await broker?.destroy();
    await db?.drop();
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  it('waits for the group coordinators instead of crashing, so nothing is logged at error level', async () => {
    const config = loadConfig({ ...process.env, THAHS_KAFKA_BROKERS: broker.bootstrap });
    const syncServices = (log: Logger) =>
      (['cand', 'qdnd'] as const).map((m) =>
        createAgreementSyncService(config, m, log.child({ component: `agreement-sync-${m}` }), {
          pgUrl: db.url,
          topics: exchangeTopicsWithPrefix(prefix),
          groupId: `${prefix}-agreement-sync-${m}`,
          keysDir,
        }),
      );
    // A first start migrates the database and creates the topics, as an earlier `npm start` did.
    const earlier = syncServices(createLogger('quietstart-earlier', 'error'));
    for (const s of earlier) await s.start();
    for (const s of earlier) await s.stop();
    const kafka = new Kafka({ clientId: 'quietstart-filler', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const groups = (['cand', 'qdnd'] as const).flatMap((m) => [`${prefix}-agreement-sync-${m}.agreements`, `${prefix}-agreement-sync-${m}.requests`]);
    const targets = new Set(groups.map((g) => offsetsPartition(g)));
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'filler', numPartitions: 50 }] });
    // A young broker may not know the new topic's leaders for a moment.
    await fetchTopicOffsetsSettled(admin, 'filler', 60_000);
    await admin.disconnect();
    // One filler group on each coordinator partition the sync groups live on, with a long history.
    const fillers: string[] = [];
    for (let i = 0; fillers.length < targets.size; i++) {
      const g = `filler-${i}`;
      if (targets.has(offsetsPartition(g)) && !fillers.some((f) => offsetsPartition(f) === offsetsPartition(g))) fillers.push(g);
    }
    for (const g of fillers) {
      const c = kafka.consumer({ groupId: g });
      const joined = new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
      await c.connect();
      await c.subscribe({ topic: 'filler', fromBeginning: true });
      await c.run({ autoCommit: false, eachMessage: async () => undefined });
      await joined;
      for (let n = 0; n < 2500; n++) {
        const offsets = Array.from({ length: 50 }, (_, p) => ({ topic: 'filler', partition: p, offset: String(n) }));
        // The filler's own group may still be settling (a second rebalance after the first join).
        for (let attempt = 0; ; attempt++) {
          try {
            await c.commitOffsets(offsets);
            break;
          } catch (err) {
            if (attempt >= 20) throw err;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      }
      await c.disconnect();
    }
    // The window was there: the services did meet a loading coordinator, or the attempt proves nothing.
    // Whether they meet it is a race with the broker's loading (a CI run on 2026-12-04 missed it once),
    // so an attempt that missed it restarts the broker again; every attempt must log no error.
    const MAX_ATTEMPTS = 3;
    let windowSeen = false;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && !windowSeen; attempt++) {
      await broker.stop();
      await broker.start();

      const { log, lines } = capturedLogger('quietstart', 'debug');
      const services = syncServices(log);
      try {
        for (const s of services) await s.start();
        // kafkajs restarts a crashed consumer after ~300 ms; give any crash time to show.
        await new Promise((r) => setTimeout(r, 5000));
        expect(services.map((s) => s.healthy())).toEqual([true, true]);
      } finally {
        for (const s of services) await s.stop();
      }
      const errors = lines().filter((l) => l.level === 'error');
      expect(errors.map((l) => `${String(l.message)} ${String(l.error ?? '')}`)).toEqual([]);
      windowSeen = lines().some((l) => /loading/i.test(String(l.error ?? '')));
    }
    expect(windowSeen).toBe(true);
  }, 600_000);
});
