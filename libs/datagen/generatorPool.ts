import * as path from 'path';
import { Worker } from 'worker_threads';
import type { CopyPayload } from './copyBatch';
import type { ChunkRequest, SeedWorkerData, WorkerReply } from './seedWorker';

/** A generator thread failed; names the chunk (ordinal range) it was working on. */
export class GeneratorError extends Error {
  constructor(
    readonly chunk: number,
    readonly reason: string,
  ) {
    super(`generating chunk ${chunk} failed: ${reason}`);
    this.name = 'GeneratorError';
  }
}

interface Pending {
  resolve(p: CopyPayload): void;
  reject(e: Error): void;
  promise: Promise<CopyPayload>;
}

/**
 * Generator threads for `thahs seed`. Chunk c goes to thread c mod n, which owns that lane of the
 * key space, so the data depends only on the seed, the thread count and the chunk size. The main
 * thread keeps its event loop free for the COPY traffic.
 */
export class GeneratorPool {
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(private readonly workers: Worker[]) {
    workers.forEach((w, lane) => {
      w.on('message', (m: WorkerReply) => {
        const p = this.pending.get(m.chunk);
        if (!p) return;
        if (m.type === 'batch') p.resolve(m.payload);
        else p.reject(new GeneratorError(m.chunk, m.stack ?? m.message));
      });
      const fail = (reason: string) => {
        // Chunks already delivered are resolved; rejecting them again changes nothing.
        for (const [chunk, p] of this.pending) if (chunk % this.workers.length === lane) p.reject(new GeneratorError(chunk, reason));
      };
      w.on('error', (err) => fail(err.message));
      w.on('exit', (code) => {
        if (!this.closed) fail(`generator thread ${lane} exited with code ${code}`);
      });
    });
  }

  static start(data: Omit<SeedWorkerData, 'lane' | 'lanes'>, lanes: number): GeneratorPool {
    const ext = path.extname(__filename);
    const file = path.join(__dirname, `seedWorker${ext}`);
    // Running from TypeScript sources (ts-node, ts-jest): the thread must be able to load .ts too.
    const tsNode = ext === '.ts' && !process.execArgv.some((a) => a.includes('ts-node')) ? ['-r', require.resolve('ts-node/register/transpile-only')] : [];
    const workers = Array.from({ length: lanes }, (_, lane) => new Worker(file, { workerData: { ...data, lane, lanes }, execArgv: [...process.execArgv, ...tsNode] }));
    return new GeneratorPool(workers);
  }

  get lanes(): number {
    return this.workers.length;
  }

  request(req: ChunkRequest): void {
    let resolve!: (p: CopyPayload) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<CopyPayload>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Awaited later, in chunk order; until then a failure must not count as unhandled.
    promise.catch(() => undefined);
    this.pending.set(req.chunk, { resolve, reject, promise });
    (this.workers[req.chunk % this.workers.length] as Worker).postMessage(req);
  }

  result(chunk: number): Promise<CopyPayload> {
    const p = this.pending.get(chunk);
    if (!p) return Promise.reject(new GeneratorError(chunk, 'chunk was never requested'));
    this.pending.delete(chunk);
    return p.promise;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
