import * as fs from 'fs';
import * as path from 'path';
import { run } from './processControl';
import { repoRoot } from '../config/repoRoot';
import { StackError } from './stackError';

/**
 * Kafka's broker and its runtime dependencies, copied from Maven Central by the small pom under
 * deploy/local/maven/kafka. A marker file makes the copy idempotent and survives `stack reset`.
 */
export function resolveKafka(mvn: string, downloads: string, kafkaVersion: string, log4jVersion: string, log: (l: string) => void): string {
  const dir = path.join(downloads, `kafka-${kafkaVersion}`);
  const libs = path.join(dir, 'libs');
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return libs;
  log(`resolving Apache Kafka ${kafkaVersion} from Maven Central`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(libs, { recursive: true });
  run('kafka', mvn, [
    '-q',
    '-B',
    '-f',
    path.join(repoRoot(), 'deploy/local/maven/kafka/pom.xml'),
    `-Dkafka.version=${kafkaVersion}`,
    `-Dlog4j.version=${log4jVersion}`,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${libs}`,
  ]);
  if (!fs.readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) throw new StackError('kafka', `no kafka_2.13 jar in ${libs}`);
  fs.writeFileSync(marker, kafkaVersion);
  return libs;
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
