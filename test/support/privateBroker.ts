import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../libs/config';
import { KafkaBroker } from '../../libs/stack/kafkaBroker';
import { isAlive } from '../../libs/stack/processControl';
import { resolveKafka } from '../../libs/stack/mavenResolver';
import { ensureToolchain } from '../../libs/stack/prerequisites';
import { stackPaths } from '../../libs/stack/stackPaths';
import { KAFKA_VERSION, LOG4J_VERSION } from '../../libs/stack/versions';
import { waitFor } from './waitFor';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A Kafka broker of a test's own (same jars as the local stack's, its own ports and folder), so an
 * outage test can kill it without touching the broker everyone else uses.
 */
export class PrivateBroker {
  private constructor(
    private readonly broker: KafkaBroker,
    private readonly root: string,
  ) {}

  static async start(label: string): Promise<PrivateBroker> {
    const config = loadConfig();
    const log = (l: string): void => void process.stderr.write(`[${label}] ${l}\n`);
    const tools = ensureToolchain(log);
    const libs = resolveKafka(tools.mvn, stackPaths(path.resolve(config.stackDir)).downloads, KAFKA_VERSION, LOG4J_VERSION, log);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `thahs-${label}-kafka-`));
    const paths = stackPaths(root);
    for (const d of [paths.data, paths.logs, paths.run, paths.config]) fs.mkdirSync(d, { recursive: true });
    const broker = new KafkaBroker({ host: '127.0.0.1', port: await freePort(), controllerPort: await freePort(), heapMb: 384 }, tools.java, libs, paths);
    const b = new PrivateBroker(broker, root);
    await broker.start(180_000);
    await b.groupCoordinatorReady(180_000);
    return b;
  }

  /**
   * Kafka creates its offsets topic on the first FindCoordinator; until that topic is led, consumers
   * joining a group crash with "This is not the correct coordinator for this group" (seen on this
   * freshly formatted broker, as on the secure cluster's: libs/stack/secureKafkaCluster.ts).
   */
  private async groupCoordinatorReady(timeoutMs: number): Promise<void> {
    const admin = new Kafka({ clientId: 'private-broker-probe', brokers: [this.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await waitFor(
        'the private broker to lead its offsets topic',
        async () => {
          await admin.describeGroups(['private-broker-probe']);
          const [t] = (await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] })).topics;
          return (t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)) || undefined;
        },
        timeoutMs,
        500,
      );
    } finally {
      await admin.disconnect();
    }
  }

  get bootstrap(): string {
    return this.broker.bootstrap;
  }

  /**
   * kill -9: no shutdown, no flush. Resolves once the process is gone: a restart that still saw it
   * alive would take it for a running broker and wait for answers that never come.
   */
  async kill(): Promise<void> {
    const pid = this.broker.pid();
    if (pid === undefined) throw new Error('the private broker is not running');
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }

  async restart(): Promise<void> {
    await this.broker.start(180_000);
  }

  async stop(): Promise<void> {
    await this.broker.stop();
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
