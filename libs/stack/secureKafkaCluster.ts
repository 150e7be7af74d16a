import * as fs from 'fs';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { ADMIN_PRINCIPAL } from '../kafka-access/servicePrincipals';
import { clusterIdArgument, newKafkaClusterId } from './kafkaClusterId';
import { kafkaJavaArgs, writeKafkaLog4j } from './kafkaJvm';
import { isAlive, readPid, run, sleep, startDetached, stopProcess, waitUntil } from './processControl';
import { StackError } from './stackError';

export interface SecureKafkaSpec {
  host: string;
  /** Client port of node 1; node n listens on firstPort + n - 1. */
  firstPort: number;
  firstControllerPort: number;
  nodes: number;
  heapMb: number;
  /** CA (PEM) and the nodes' key + certificate (one PEM, CN=NODE_CN). */
  caFile: string;
  nodePemFile: string;
  /** Every SCRAM principal and its password, `admin` included (the brokers log in to each other as admin). */
  passwords: Readonly<Record<string, string>>;
  /** default.replication.factor and min.insync.replicas of created topics. */
  replicationFactor: number;
  minInsyncReplicas: number;
}

/** The subject of the nodes' certificate: their principal on the controller listener (mutual TLS), a super user. */
export const NODE_CN = 'thahs-kafka-node';
const MECHANISM = 'SCRAM-SHA-512';

export interface SecureNodeOptions {
  nodeId: number;
  /** Address the listeners bind to, and the one clients are told. */
  host: string;
  advertisedHost: string;
  port: number;
  controllerPort: number;
  voters: readonly { id: number; host: string; port: number }[];
  keystorePem: string;
  truststorePem: string;
  /** The admin principal's password, or a config-provider reference such as `${env:KAFKA_ADMIN_PASSWORD}`. */
  adminPassword: string;
  logDir: string;
  replicationFactor: number;
  minInsyncReplicas: number;
  /** Extra lines (a deployment's config providers). */
  extra?: readonly string[];
}

/**
 * server.properties of one secure node: the local secure stack writes it, deploy/compose ships it
 * (with the password as a config-provider reference), so both run the same broker security.
 */
export function secureNodeProperties(o: SecureNodeOptions): string[] {
  const rf = o.replicationFactor;
  const isr = o.minInsyncReplicas;
  return [
    ...(o.extra ?? []),
    'process.roles=broker,controller',
    `node.id=${o.nodeId}`,
    `controller.quorum.voters=${o.voters.map((v) => `${v.id}@${v.host}:${v.port}`).join(',')}`,
    `listeners=CLIENT://${o.host}:${o.port},CONTROLLER://${o.host}:${o.controllerPort}`,
    `advertised.listeners=CLIENT://${o.advertisedHost}:${o.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=CLIENT',
    'listener.security.protocol.map=CLIENT:SASL_SSL,CONTROLLER:SSL',
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${o.keystorePem}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${o.truststorePem}`,
    'ssl.enabled.protocols=TLSv1.3,TLSv1.2',
    'listener.name.controller.ssl.client.auth=required',
    `sasl.enabled.mechanisms=${MECHANISM}`,
    `sasl.mechanism.inter.broker.protocol=${MECHANISM}`,
    `listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${ADMIN_PRINCIPAL}" password="${o.adminPassword}";`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${ADMIN_PRINCIPAL};User:CN=${NODE_CN}`,
    'allow.everyone.if.no.acl.found=false',
    `log.dirs=${o.logDir}`,
    'num.partitions=3',
    `default.replication.factor=${rf}`,
    `min.insync.replicas=${isr}`,
    `offsets.topic.replication.factor=${rf}`,
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${isr}`,
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${isr}`,
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.retention.hours=-1',
    'log.cleaner.enable=true',
  ];
}

interface NodeFiles {
  id: number;
  port: number;
  controllerPort: number;
  config: string;
  data: string;
  log: string;
  pid: string;
}

/**
 * The secure profile's Kafka: `nodes` combined broker+controller KRaft nodes on loopback. Clients use
 * SASL_SSL with SCRAM-SHA-512 (brokers talk to each other the same way, as `admin`); the controller
 * listener is TLS with client certificates. ACLs are enforced by the StandardAuthorizer with
 * default deny; `admin` and the nodes' certificate principal are the only super users. Principals
 * are created when the storage is formatted (kafka-storage format --add-scram) and, when one is added
 * later, with Kafka's ConfigCommand (resolved on demand).
 */
export class SecureKafkaCluster {
  readonly nodes: NodeFiles[];
  private readonly log4jFile: string;
  private readonly clusterIdFile: string;

  constructor(
    private readonly spec: SecureKafkaSpec,
    private readonly java: string,
    private readonly libs: string,
    dirs: { data: string; logs: string; run: string; config: string },
    private readonly toolsLibs: () => string,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.log4jFile = path.join(dirs.config, 'kafka-log4j2.properties');
    this.clusterIdFile = path.join(dirs.data, 'kafka-cluster-id');
    this.nodes = Array.from({ length: spec.nodes }, (_, i) => ({
      id: i + 1,
      port: spec.firstPort + i,
      controllerPort: spec.firstControllerPort + i,
      config: path.join(dirs.config, `kafka-${i + 1}.properties`),
      data: path.join(dirs.data, `kafka-${i + 1}`),
      log: path.join(dirs.logs, `kafka-${i + 1}.log`),
      pid: path.join(dirs.run, `kafka-${i + 1}.pid`),
    }));
  }

  get bootstrap(): string {
    return this.nodes.map((n) => `${this.spec.host}:${n.port}`).join(',');
  }

  get logFile(): string {
    return this.nodes[0].log;
  }

  private adminPassword(): string {
    const pw = this.spec.passwords[ADMIN_PRINCIPAL];
    if (!pw) throw new StackError('kafka', 'no password for the admin principal');
    return pw;
  }

  private writeConfig(n: NodeFiles): void {
    const { host, replicationFactor, minInsyncReplicas } = this.spec;
    const lines = secureNodeProperties({
      nodeId: n.id,
      host,
      advertisedHost: host,
      port: n.port,
      controllerPort: n.controllerPort,
      voters: this.nodes.map((x) => ({ id: x.id, host, port: x.controllerPort })),
      keystorePem: this.spec.nodePemFile,
      truststorePem: this.spec.caFile,
      adminPassword: this.adminPassword(),
      logDir: n.data,
      replicationFactor,
      minInsyncReplicas,
    });
    fs.writeFileSync(n.config, ['# written by the thahs stack manager (secure profile); holds the admin password: 0600', ...lines, ''].join('\n'), { mode: 0o600 });
    fs.chmodSync(n.config, 0o600);
  }

  private clusterId(): string {
    if (fs.existsSync(this.clusterIdFile)) return fs.readFileSync(this.clusterIdFile, 'utf8').trim();
    const id = newKafkaClusterId();
    fs.writeFileSync(this.clusterIdFile, id);
    return id;
  }

  private formatted(n: NodeFiles): boolean {
    return fs.existsSync(path.join(n.data, 'meta.properties'));
  }

  /** Formats a node once, with every principal's SCRAM credential in its bootstrap metadata. */
  private format(n: NodeFiles): void {
    if (this.formatted(n)) return;
    fs.mkdirSync(n.data, { recursive: true });
    const scram = Object.entries(this.spec.passwords).flatMap(([name, pw]) => ['--add-scram', `${MECHANISM}=[name=${name},password=${pw}]`]);
    try {
      run('kafka', this.java, kafkaJavaArgs(256, this.log4jFile, this.libs, 'kafka.tools.StorageTool', ['format', clusterIdArgument(this.clusterId()), '-c', n.config, ...scram]));
    } catch (err) {
      // The command line holds passwords: say which node failed, not what it was given.
      throw new StackError(
        'kafka',
        `formatting node ${n.id} failed: ${(err as Error).message
          .split('\n')
          .slice(-3)
          .join(' ')
          .replace(/password=[^\]]*/g, 'password=***')}`,
        n.log,
      );
    }
  }

  pids(): number[] {
    return this.nodes.map((n) => readPid(n.pid)).filter((p): p is number => isAlive(p));
  }

  async start(timeoutMs: number): Promise<void> {
    writeKafkaLog4j(this.log4jFile);
    for (const n of this.nodes) this.writeConfig(n);
    if (!(await this.answers())) {
      for (const n of this.nodes) this.format(n);
      for (const n of this.nodes) {
        const pid = readPid(n.pid);
        if (!isAlive(pid)) startDetached(this.java, kafkaJavaArgs(this.spec.heapMb, this.log4jFile, this.libs, 'kafka.Kafka', [n.config]), n.log, n.pid);
      }
      await waitUntil(
        'kafka',
        async () => {
          for (const n of this.nodes) if (!isAlive(readPid(n.pid))) throw new StackError('kafka', `node ${n.id} exited during start-up`, n.log);
          return this.answers();
        },
        timeoutMs,
        this.logFile,
      );
    }
    await this.ensurePrincipals(timeoutMs);
    await this.groupCoordinatorsReady(timeoutMs);
  }

  /**
   * The offsets topic exists and each of its partitions has a leader with its full ISR. Kafka creates
   * it on the first FindCoordinator; until its partitions are led, a consumer joining a group gets
   * "This is not the correct coordinator" (seen on the first run after a fresh format).
   */
  private async groupCoordinatorsReady(timeoutMs: number): Promise<void> {
    const admin = this.client(ADMIN_PRINCIPAL).admin();
    const deadline = Date.now() + timeoutMs;
    let last = 'not asked yet';
    try {
      await admin.connect();
      for (;;) {
        try {
          await admin.describeGroups(['thahs-stack-probe']);
          const meta = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
          const partitions = meta.topics[0]?.partitions ?? [];
          const led = partitions.filter((p) => p.leader >= 0 && p.isr.length >= this.spec.replicationFactor).length;
          if (partitions.length > 0 && led === partitions.length) return;
          last = `${led} of ${partitions.length} offsets partitions led with their full ISR`;
        } catch (err) {
          last = (err as Error).message;
        }
        if (Date.now() > deadline) throw new StackError('kafka', `group coordinators not ready: ${last}`, this.logFile);
        await sleep(500);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        const pid = readPid(n.pid);
        if (isAlive(pid)) await stopProcess(pid!, 30000);
      }),
    );
  }

  client(principal: string, clientId = 'thahs-stack-probe'): Kafka {
    const password = this.spec.passwords[principal];
    if (!password) throw new StackError('kafka', `no password for principal ${principal}`);
    return new Kafka({
      clientId,
      brokers: this.bootstrap.split(','),
      ssl: { ca: [fs.readFileSync(this.spec.caFile, 'utf8')], rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: principal, password },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 3000,
    });
  }

  /** Every node serves metadata to the admin principal over SASL_SSL, and a controller is elected. */
  async answers(): Promise<boolean> {
    if (!fs.existsSync(this.spec.caFile)) return false;
    const admin = this.client(ADMIN_PRINCIPAL).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length === this.spec.nodes && cluster.controller !== null;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Whether `principal` authenticates with its password (SCRAM credentials are not readable through kafkajs). */
  async authenticates(principal: string): Promise<boolean> {
    const admin = this.client(principal).admin();
    try {
      await admin.connect();
      return true;
    } catch (err) {
      if ((err as Error).name === 'KafkaJSSASLAuthenticationError') return false;
      throw err;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Runs one of Kafka's command-line tools (`org.apache.kafka.tools.*`, resolved on demand) against the
   * cluster as the admin principal and returns what it printed. `args` is given the path of the admin
   * client's properties file, under the option the tool names it by (`--command-config`,
   * `--admin.config`, ...): the password travels in that file (0600), never on a command line other
   * users could read. Used for principals added later, and by tests that move partition leaders.
   */
  adminTool(mainClass: string, args: (clientConfig: string) => string[]): string {
    const clientConfig = path.join(path.dirname(this.nodes[0].config), 'kafka-admin-client.properties');
    fs.writeFileSync(
      clientConfig,
      [
        'security.protocol=SASL_SSL',
        `sasl.mechanism=${MECHANISM}`,
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${ADMIN_PRINCIPAL}" password="${this.adminPassword()}";`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${this.spec.caFile}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    return run('kafka', this.java, kafkaJavaArgs(256, this.log4jFile, this.toolsLibs(), mainClass, ['--bootstrap-server', this.bootstrap, ...args(clientConfig)]));
  }

  /** Principals added to the stack after its storage was formatted get their credential now. */
  private async ensurePrincipals(timeoutMs: number): Promise<void> {
    for (const name of Object.keys(this.spec.passwords)) {
      if (await this.authenticates(name)) continue;
      this.log(`adding SCRAM credential of ${name}`);
      // The password travels in a properties file, not on a command line other users could read.
      const add = path.join(path.dirname(this.nodes[0].config), `kafka-scram-${name}.properties`);
      fs.writeFileSync(add, `${MECHANISM}=[password=${this.spec.passwords[name]}]\n`, { mode: 0o600 });
      try {
        this.adminTool('org.apache.kafka.tools.ConfigCommand', (clientConfig) => [
          '--command-config',
          clientConfig,
          '--alter',
          '--entity-type',
          'users',
          '--entity-name',
          name,
          '--add-config-file',
          add,
        ]);
      } finally {
        fs.rmSync(add, { force: true });
      }
      const deadline = Date.now() + timeoutMs;
      while (!(await this.authenticates(name))) {
        if (Date.now() > deadline) throw new StackError('kafka', `principal ${name} still cannot authenticate after its credential was set`, this.logFile);
        await sleep(500);
      }
    }
  }

  wipe(): void {
    for (const n of this.nodes) fs.rmSync(n.data, { recursive: true, force: true });
    fs.rmSync(this.clusterIdFile, { force: true });
  }
}
