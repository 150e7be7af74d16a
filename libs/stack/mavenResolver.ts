import * as fs from 'fs';
import * as path from 'path';
import { run } from './processControl';
import { repoRoot } from '../config/repoRoot';
import { StackError } from './stackError';

/**
 * The jars a small pom under deploy/local/maven names, copied with their runtime dependencies from
 * Maven Central into `<downloads>/<name>-<version>/libs`. A marker file makes the copy idempotent and
 * survives `stack reset`.
 */
function resolvePom(
  mvn: string,
  downloads: string,
  pom: string,
  name: string,
  label: string,
  kafkaVersion: string,
  log4jVersion: string,
  expected: string,
  log: (l: string) => void,
): string {
  const dir = path.join(downloads, `${name}-${kafkaVersion}`);
  const libs = path.join(dir, 'libs');
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return libs;
  log(`resolving ${label} ${kafkaVersion} from Maven Central`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(libs, { recursive: true });
  run('kafka', mvn, [
    '-q',
    '-B',
    '-f',
    path.join(repoRoot(), 'deploy/local/maven', pom, 'pom.xml'),
    `-Dkafka.version=${kafkaVersion}`,
    `-Dlog4j.version=${log4jVersion}`,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${libs}`,
  ]);
  if (!fs.readdirSync(libs).some((f) => f.startsWith(expected))) throw new StackError('kafka', `no ${expected} jar in ${libs}`);
  fs.writeFileSync(marker, kafkaVersion);
  return libs;
}

/** Kafka's broker and its runtime dependencies (deploy/local/maven/kafka). */
export function resolveKafka(mvn: string, downloads: string, kafkaVersion: string, log4jVersion: string, log: (l: string) => void): string {
  return resolvePom(mvn, downloads, 'kafka', 'kafka', 'Apache Kafka', kafkaVersion, log4jVersion, 'kafka_2.13-', log);
}

/**
 * Apicurio Registry's Quarkus fast-jar distribution (io.apicurio:apicurio-registry-app, classifier
 * `all`, tar.gz) from Maven Central, unpacked once.
 */
export function resolveApicurio(mvn: string, downloads: string, version: string, log: (l: string) => void): string {
  const dir = path.join(downloads, `apicurio-registry-${version}`);
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return dir;
  log(`resolving Apicurio Registry ${version} from Maven Central`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  run('registry', mvn, ['-q', '-B', 'dependency:copy', `-Dartifact=io.apicurio:apicurio-registry-app:${version}:tar.gz:all`, `-DoutputDirectory=${dir}`], {
    cwd: dir,
  });
  const archive = path.join(dir, `apicurio-registry-app-${version}-all.tar.gz`);
  run('registry', 'tar', ['xzf', archive, '-C', dir]);
  fs.rmSync(archive);
  registryJar(dir);
  fs.writeFileSync(marker, version);
  return dir;
}

/** 3.0.x ships a legacy runner jar, later releases a fast-jar (quarkus-run.jar). */
export function registryJar(home: string): string {
  const fastJar = path.join(home, 'quarkus-run.jar');
  if (fs.existsSync(fastJar)) return fastJar;
  const runner = fs.readdirSync(home).find((f) => f.endsWith('-runner.jar'));
  if (!runner) throw new StackError('registry', `no quarkus-run.jar or *-runner.jar in ${home}`);
  return path.join(home, runner);
}

/**
 * Kafka's command-line tools (deploy/local/maven/kafka-tools); only the secure profile needs them, and
 * only to add a principal to storage formatted without it.
 */
export function resolveKafkaTools(mvn: string, downloads: string, kafkaVersion: string, log4jVersion: string, log: (l: string) => void): string {
  return resolvePom(mvn, downloads, 'kafka-tools', 'kafka-tools', 'Apache Kafka tools', kafkaVersion, log4jVersion, 'kafka-tools-', log);
}
