import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { loadConfig } from '../../libs/config';
import { ScratchDatabase } from '../support/scratchDatabase';

/** The operator commands end to end: `thahs seed` then `thahs workload` on a scratch database. */
const run = promisify(execFile);
const thahs = path.resolve(__dirname, '..', '..', 'bin', 'thahs');
let db: ScratchDatabase;

beforeAll(async () => {
  db = await ScratchDatabase.create(loadConfig().candPgUrl, 'cli');
});

afterAll(async () => {
  await db?.drop();
});

describe('thahs seed / thahs workload', () => {
  it('seed prints one final line with rows written, seconds and rows/s (no progress bar off a TTY)', async () => {
    const { stdout, stderr } = await run(thahs, ['seed', '--ministry', 'cand', '--persons', '60', '--seed', '9', '--url', db.url]);
    expect(stdout.trim()).toMatch(/^seeded cand: 60 persons \(seed 9, ordinals 0–59, mode bulk\), \d+ rows written in \d+\.\d s = \d+ rows\/s$/);
    expect(stderr).toBe('');
  });

  it('seed rejects a bad ministry with a usage error', async () => {
    await expect(run(thahs, ['seed', '--ministry', 'army', '--persons', '1', '--url', db.url])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/expected cand or qdnd/),
    });
  });

  it('workload runs for the given duration and prints the achieved rate', async () => {
    const { stdout } = await run(thahs, ['workload', '--ministry', 'cand', '--rate', '40', '--mix', '80:20:0', '--duration', '2', '--url', db.url]);
    expect(stdout.trim()).toMatch(
      /^workload cand: \d+\.\d s, \d+ changes \(\d+ inserted \/ \d+ updated \/ 0 deleted\) in \d+ transactions, [\d.]+ changes\/s overall, [\d.]+\/s lately, 0 failed$/,
    );
  });
});
