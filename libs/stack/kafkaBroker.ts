import * as fs from 'fs';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { clusterIdArgument, newKafkaClusterId } from './kafkaClusterId';
import { kafkaJavaArgs, writeKafkaLog4j } from './kafkaJvm';
import { isAlive, readPid, run, startDetached, stopProcess, waitUntil } from './processControl';

export interface KafkaSpec {
  host: string;
  port: number;
  controllerPort: number;
  heapMb: number;
}

/**
 * One combined broker/controller KRaft node, started from the jars Maven resolved. Single-node
 * replication settings are explicit here because the defaults (3) would make the broker refuse to
 * create its internal topics.
 */
export class KafkaBroker {
  readonly logFile: string;
  private readonly pidFile: string;
  private readonly dataDir: string;
  private readonly configFile: string;
  private readonly log4jFile: string;

  constructor(
    private readonly spec: KafkaSpec,
    private readonly java: string,
    private readonly libs: string,
    dirs: { data: string; logs: string; run: string; config: string },
  ) {
    this.logFile = path.join(dirs.logs, 'kafka.log');
    this.pidFile = path.join(dirs.run, 'kafka.pid');
    this.dataDir = path.join(dirs.data, 'kafka');
    this.configFile = path.join(dirs.config, 'kafka-server.properties');
    this.log4jFile = path.join(dirs.config, 'kafka-log4j2.properties');
  }

  get bootstrap(): string {
    return `${this.spec.host}:${this.spec.port}`;
  }

  pid(): number | undefined {
    const pid = readPid(this.pidFile);
    return isAlive(pid) ? pid : undefined;
  }

  private writeConfig(): void {
    const { host, port, controllerPort } = this.spec;
    fs.writeFileSync(
      this.configFile,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@${host}:${controllerPort}`,
        `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://${host}:${port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${this.dataDir}`,
        'num.partitions=3',
        'default.replication.factor=1',
        'min.insync.replicas=1',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
        'log.retention.hours=-1',
        'log.cleaner.enable=true',
        '',
      ].join('\n'),
    );
    writeKafkaLog4j(this.log4jFile);
  }

  private javaArgs(mainClass: string, args: string[]): string[] {
    return kafkaJavaArgs(this.spec.heapMb, this.log4jFile, this.libs, mainClass, args);
  }

  /** Formats KRaft storage once; the cluster id lives in meta.properties and survives restarts. */
  private format(): void {
    if (fs.existsSync(path.join(this.dataDir, 'meta.properties'))) return;
    fs.mkdirSync(this.dataDir, { recursive: true });
    run('kafka', this.java, this.javaArgs('kafka.tools.StorageTool', ['format', clusterIdArgument(newKafkaClusterId()), '-c', this.configFile]));
  }

  async start(timeoutMs: number): Promise<void> {
    // A broker already answering on our port (an earlier run, another checkout's stack) is reused.
    if (await this.answers()) return;
    this.writeConfig();
    this.format();
    const pid = this.pid() ?? startDetached(this.java, this.javaArgs('kafka.Kafka', [this.configFile]), this.logFile, this.pidFile);
    await waitUntil('kafka', () => this.answers(), timeoutMs, this.logFile, pid);
  }

  async stop(): Promise<void> {
    const pid = this.pid();
    if (pid !== undefined) await stopProcess(pid, 30000);
  }

  wipe(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** A metadata round trip, not just an open port: the broker accepts connections before it can serve. */
  async answers(): Promise<boolean> {
    const kafka = new Kafka({ clientId: 'thahs-stack-probe', brokers: [this.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2000 });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 && cluster.controller !== null;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
