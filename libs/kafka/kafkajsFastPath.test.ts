import { execFileSync } from 'child_process';
import * as path from 'path';
import { assertPinnedKafkajs, installedKafkajsVersion, KAFKAJS_PINNED_VERSION, KafkajsFastPathError } from './kafkajsFastPath';

/** Runs `script` in a plain Node process (jest's module system bypasses require.cache, as the sender thread does not). */
function node(script: string): { ok: boolean; out: string } {
  try {
    return {
      ok: true,
      out: execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: path.join(__dirname, '../..'), encoding: 'utf8', stdio: 'pipe' }),
    };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr) };
  }
}
const FAST_PATH = JSON.stringify(path.join(__dirname, 'kafkajsFastPath.ts'));

describe('the kafkajs fast path, contained', () => {
  it('is pinned to the kafkajs package.json installs exactly', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../../package.json') as { dependencies: Record<string, string> };
    expect(pkg.dependencies.kafkajs).toBe(KAFKAJS_PINNED_VERSION);
    expect(installedKafkajsVersion()).toBe(KAFKAJS_PINNED_VERSION);
    expect(() => assertPinnedKafkajs()).not.toThrow();
  });

  it('refuses any other kafkajs version, naming both', () => {
    for (const v of ['2.2.5', '2.3.0', '3.0.0', '2.2.3']) {
      expect(() => assertPinnedKafkajs(v)).toThrow(KafkajsFastPathError);
      expect(() => assertPinnedKafkajs(v)).toThrow(new RegExp(`kafkajs ${v.replace(/\./g, '\\.')} is installed.*kafkajs ${KAFKAJS_PINNED_VERSION.replace(/\./g, '\\.')} only`));
    }
  });

  it('installs the producer replacements in a thread where kafkajs is not loaded yet', () => {
    const r = node(`
      const { installProducerFastPath } = require(${FAST_PATH});
      installProducerFastPath();
      const Produce = require('kafkajs/src/protocol/requests/produce/v3/request.js');
      const Encoder = require('kafkajs/src/protocol/encoder.js');
      process.stdout.write(JSON.stringify({ produce: Produce.name, encoder: Encoder.name }));
    `);
    expect(r.ok).toBe(true);
    expect(JSON.parse(r.out)).toEqual({ produce: 'prebuilt', encoder: 'UninitialisedEncoder' });
  });

  it('refuses, loudly, to install the producer replacements once kafkajs is loaded', () => {
    const r = node(`
      require('kafkajs');
      require(${FAST_PATH}).installProducerFastPath();
    `);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/KafkajsFastPathError: kafkajs was loaded in this thread before the producer fast path \(request encoder buffers/);
  });

  it('creating a client installs nothing', () => {
    const r = node(`
      const { createKafka } = require(${JSON.stringify(path.join(__dirname, 'kafkaClient.ts'))});
      createKafka('probe', ['127.0.0.1:1'], { log() {}, warn() {}, info() {}, error() {}, debug() {} }, { security: {} });
      const decoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
      process.stdout.write(String(decoder.length === 1 && /decodeRecordBatch/.test(String(decoder))));
    `);
    expect(r.ok).toBe(true);
    expect(r.out).toBe('false');
  });
});
