import * as path from 'path';
import { Worker, WorkerOptions } from 'worker_threads';
import { repoRoot } from '../config/repoRoot';

/**
 * A worker thread running the module `name` that sits beside `callerFile`: the compiled `.js` when the
 * caller runs from the build, the `.ts` through ts-node when it runs from sources (bin/thahs without a
 * build, ts-jest). The parent's own arguments cannot be reused: under the ts-node CLI they name its bin.js.
 */
export function scriptWorker(callerFile: string, name: string, options: WorkerOptions = {}): Worker {
  const ext = path.extname(callerFile);
  const file = path.join(path.dirname(callerFile), `${name}${ext}`);
  const run =
    ext === '.ts'
      ? { execArgv: ['-r', require.resolve('ts-node/register/transpile-only')], env: { ...process.env, TS_NODE_PROJECT: path.join(repoRoot(), 'tsconfig.json') } }
      : { execArgv: [] };
  return new Worker(file, { ...run, ...options });
}
