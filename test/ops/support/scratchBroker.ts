import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../../libs/config';
import { KafkaBroker } from '../../../libs/stack/kafkaBroker';
import { resolveKafka } from '../../../libs/stack/mavenResolver';
import { ensureToolchain } from '../../../libs/stack/prerequisites';
import { stackPaths } from '../../../libs/stack/stackPaths';
import { KAFKA_VERSION, LOG4J_VERSION } from '../../../libs/stack/versions';

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
 * A Kafka broker of the test's own (fresh data, free loopback ports, the jars the local stack already
 * downloaded), for tests that must restart a broker: the shared one is never stopped.
 */
export class ScratchBroker {
  private constructor(
    readonly broker: KafkaBroker,
    readonly dir: string,
  ) {}

  static async create(heapMb = 384): Promise<ScratchBroker> {
    const config = loadConfig();
    const tools = ensureToolchain(() => undefined);
    const libs = resolveKafka(tools.mvn, stackPaths(config.stackDir).downloads, KAFKA_VERSION, LOG4J_VERSION, () => undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-scratch-kafka-'));
    const dirs = { data: path.join(dir, 'data'), logs: path.join(dir, 'logs'), run: path.join(dir, 'run'), config: path.join(dir, 'config') };
    for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
    const broker = new KafkaBroker({ host: '127.0.0.1', port: await freePort(), controllerPort: await freePort(), heapMb }, tools.java, libs, dirs);
    return new ScratchBroker(broker, dir);
  }

  get bootstrap(): string {
    return this.broker.bootstrap;
  }

  start(): Promise<void> {
    return this.broker.start(120_000);
  }

  stop(): Promise<void> {
    return this.broker.stop();
  }

  async destroy(): Promise<void> {
    await this.broker.stop().catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
