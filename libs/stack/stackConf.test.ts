import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { auditSettings } from './auditSettings';
import { confString, STACK_CONF, writeStackConf } from './stackConf';

describe('writeStackConf', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-stackconf-'));
    fs.writeFileSync(path.join(dir, 'postgresql.conf'), '# initdb\nport = 15433\nwal_level = logical\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('includes the stack-owned file once, last, and reports a change only when its content changes', () => {
    const lines = auditSettings({ logDir: '/var/log/pg-qdnd', pgaudit: true });
    expect(writeStackConf(dir, lines)).toBe(true);
    expect(writeStackConf(dir, lines)).toBe(false);
    const main = fs.readFileSync(path.join(dir, 'postgresql.conf'), 'utf8');
    expect(main.match(/include_if_exists/g)).toHaveLength(1);
    expect(main.trimEnd().endsWith(`include_if_exists = '${STACK_CONF}'`)).toBe(true);
    expect(fs.readFileSync(path.join(dir, STACK_CONF), 'utf8')).toContain("shared_preload_libraries = 'pgaudit'");
    // pgaudit installed later: the file changes, the include stays single
    expect(writeStackConf(dir, auditSettings({ logDir: '/var/log/pg-qdnd', pgaudit: false }))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'postgresql.conf'), 'utf8').match(/include_if_exists/g)).toHaveLength(1);
  });
});

describe('auditSettings', () => {
  it('audits reads through the auditor role, without the statement text, into a csvlog in the given folder', () => {
    const s = auditSettings({ logDir: "/srv/o'brien/logs", pgaudit: true });
    expect(s).toEqual(
      expect.arrayContaining([
        'logging_collector = on',
        "log_destination = 'stderr,csvlog'",
        "log_directory = '/srv/o''brien/logs'",
        "pgaudit.role = 'thahs_auditor'",
        "pgaudit.log = 'none'",
        'pgaudit.log_statement = off',
        'pgaudit.log_parameter = off',
        'pgaudit.log_relation = on',
      ]),
    );
    // without the extension the server must still start: nothing of pgaudit is configured
    expect(auditSettings({ logDir: '/x', pgaudit: false }).some((l) => /pgaudit/.test(l))).toBe(false);
    expect(confString("a'b")).toBe("'a''b'");
  });
});
