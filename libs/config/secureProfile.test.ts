import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from './repoRoot';
import { describeSecureDefaults, loadConfig, redactSecrets, redactUrl, secretFile, settings, type SettingSpec } from '.';

describe('the secure profile of the settings', () => {
  let stackDir: string;
  beforeAll(() => {
    stackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-secure-config-'));
    for (const [kind, name, pw] of [
      ['pg', 'cand.thahs', 'p/w@1'],
      ['registry', 'registry-writer', 'reg-pw'],
    ] as const) {
      fs.mkdirSync(path.dirname(secretFile(stackDir, kind, name)), { recursive: true });
      fs.writeFileSync(secretFile(stackDir, kind, name), `${pw}\n`);
    }
  });
  afterAll(() => fs.rmSync(stackDir, { recursive: true, force: true }));

  it('leaves the plain defaults as they were', () => {
    const c = loadConfig({});
    expect(c.stackProfile).toBe('plain');
    expect(c.kafkaTls).toBe(false);
    expect(c.kafkaSaslMechanism).toBe('none');
    expect(c.kafkaTlsCaFile).toBe('');
    expect(c.candPgUrl).toBe('postgres://thahs@127.0.0.1:15432/thahs');
  });

  it('moves every port, the folder and the URLs to the secure stack', () => {
    const c = loadConfig({ THAHS_STACK_PROFILE: 'secure', THAHS_STACK_DIR: stackDir });
    expect([c.candPgPort, c.qdndPgPort, c.platformPgPort, c.kafkaPort, c.registryPort]).toEqual([25432, 25433, 25434, 29092, 28081]);
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:29092', '127.0.0.1:29093', '127.0.0.1:29094']);
    expect(c.registryUrl).toBe('https://127.0.0.1:28081/apis/ccompat/v7');
    expect(c.kafkaTls).toBe(true);
    expect(c.kafkaTlsCaFile).toBe(path.join(stackDir, 'tls', 'ca.pem'));
    expect(c.kafkaCredentialsDir).toBe(path.join(stackDir, 'secrets', 'kafka'));
    expect(c.registryPassword).toBe('reg-pw');
    const u = new URL(c.candPgUrl);
    expect([u.username, decodeURIComponent(u.password), u.port, u.searchParams.get('sslmode'), u.searchParams.get('sslrootcert')]).toEqual([
      'thahs',
      'p/w@1',
      '25432',
      'verify-full',
      path.join(stackDir, 'tls', 'ca.pem'),
    ]);
    // Not generated yet: no password rather than a wrong one.
    expect(new URL(c.qdndPgUrl).password).toBe('');
    expect(c.accessAuditOwnSessions).toEqual([{ role: 'thahs_apply', application: 'thahs-apply-consumer-', prefix: true }]);
  });

  it('computes the secure defaults from the ports set explicitly', () => {
    const c = loadConfig({ THAHS_STACK_PROFILE: 'secure', THAHS_STACK_DIR: stackDir, THAHS_KAFKA_PORT: '39092', THAHS_CAND_PG_PORT: '35432' });
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:39092', '127.0.0.1:39093', '127.0.0.1:39094']);
    expect(new URL(c.candPgUrl).port).toBe('35432');
  });

  it('lets every secure default be overridden and names a bad value', () => {
    expect(loadConfig({ THAHS_STACK_PROFILE: 'secure', THAHS_KAFKA_TLS: 'off', THAHS_KAFKA_SASL_MECHANISM: 'none' })).toMatchObject({
      kafkaTls: false,
      kafkaSaslMechanism: 'none',
    });
    expect(() => loadConfig({ THAHS_STACK_PROFILE: 'hardened' })).toThrow(/THAHS_STACK_PROFILE="hardened": must be one of plain, secure/);
    expect(() => loadConfig({ THAHS_KAFKA_TLS: 'yes' })).toThrow(/THAHS_KAFKA_TLS.*on or off/);
    expect(() => loadConfig({ THAHS_KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/THAHS_KAFKA_SASL_MECHANISM/);
  });

  it('has every secure default and every client security setting in docs/deployment.md', () => {
    const doc = fs.readFileSync(path.join(repoRoot(), 'docs/deployment.md'), 'utf8');
    const wanted = (Object.values(settings) as SettingSpec<unknown>[]).filter(
      (s) => s.secureDefault !== undefined || /^THAHS_(STACK_PROFILE|KAFKA_(TLS|SASL|CREDENTIALS)|REGISTRY_(CA|USERNAME|PASSWORD))/.test(s.env),
    );
    expect(wanted.length).toBeGreaterThan(20);
    expect(wanted.map((s) => s.env).filter((env) => !doc.includes(`\`${env}\``))).toEqual([]);
  });

  it('documents the secure defaults without a generated password', () => {
    const table = describeSecureDefaults();
    expect(table).toContain('`THAHS_KAFKA_BROKERS` | `127.0.0.1:19092` | `127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094`');
    expect(table).toContain('<generated>');
    expect(table).not.toContain('reg-pw');
  });
});

describe('redaction of secrets', () => {
  it('masks the password of a URL and keeps the rest', () => {
    expect(redactUrl('postgres://apply:s3cr%40t@127.0.0.1:25433/thahs?sslmode=verify-full')).toBe('postgres://apply:***@127.0.0.1:25433/thahs?sslmode=verify-full');
    expect(redactUrl('postgres://thahs@127.0.0.1:15432/thahs')).toBe('postgres://thahs@127.0.0.1:15432/thahs');
    expect(redactUrl('https://h/x?password=abc&a=1')).toBe('https://h/x?password=***&a=1');
  });

  it('masks URLs and password pairs inside any text', () => {
    const text = 'connect postgres://thahs:hunter2@127.0.0.1:25432/thahs failed; jdbc password=hunter2 and password="a b"';
    const out = redactSecrets(text);
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('a b');
    expect(out).toContain('postgres://thahs:***@127.0.0.1:25432/thahs');
  });
});
