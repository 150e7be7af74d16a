#!/usr/bin/env node
// `npm test` after typecheck, lint and build: every test, in two runs of jest against the real servers.
//   1. the unit tests and the integration suite on the default (plain) stack;
//   2. the secure-profile suites (test/support/secureProfileSuites.js) on the `secure` stack: three TLS
//      brokers with SASL/SCRAM and ACLs, the registry over HTTPS, PostgreSQL with TLS, passwords and
//      least-privilege roles. Those suites leave the first run, so CI's budget pays for each once.
// Arguments go to jest as they are (one run, the plain profile), so `npm test -- test/x.test.ts` still
// runs one file. With none, both runs, and a closing line with the counts of both.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { secureProfileSuites } = require('../test/support/secureProfileSuites');

const root = path.resolve(__dirname, '..');
const jest = path.join(root, 'node_modules', '.bin', 'jest');
const args = process.argv.slice(2);
const secureOnly = args[0] === '--secure-only';

function run(label, jestArgs, env) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-tests-')), 'results.json');
  process.stdout.write(`\n== ${label}\n`);
  const r = spawnSync(jest, [...jestArgs, '--json', `--outputFile=${out}`], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  let counts = { passed: 0, failed: 0, skipped: 0, suitesFailed: 0 };
  try {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    counts = { passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests, suitesFailed: j.numFailedTestSuites + j.numRuntimeErrorTestSuites };
  } catch {
    // jest wrote no results (it failed to start): the status says so below.
  }
  return { label, status: r.status ?? 1, ...counts };
}

if (args.length > 0 && !secureOnly) {
  const r = spawnSync(jest, ['--runInBand', ...args], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const results = [];
if (!secureOnly) {
  const ignore = secureProfileSuites.map((s) => s.replace(/[.]/g, '\\.'));
  results.push(run('plain stack: unit tests and the integration suite', ['--runInBand', ...['/node_modules/', ...ignore].flatMap((p) => ['--testPathIgnorePatterns', p])], {}));
}
results.push(
  run('secure stack: integration suites over TLS, SASL/SCRAM with ACLs, least-privilege roles', ['--selectProjects', 'integration', '--runInBand', ...secureProfileSuites], {
    THAHS_STACK_PROFILE: 'secure',
  }),
);

const sum = (k) => results.reduce((n, r) => n + r[k], 0);
const detail = results
  .map((r) => `${r.label.split(':')[0]}: ${r.passed} passed, ${r.failed} failed${r.status !== 0 && r.failed === 0 ? ` (jest exit ${r.status})` : ''}`)
  .join('; ');
process.stdout.write(`tests: ${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped (${detail})\n`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
