import type { Worker } from 'worker_threads';
import { scriptWorker } from '../threads';
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

interface Settle {
  resolve(p: CopyPayload): void;
  reject(e: Error): void;
}

/**
 * Generator threads for `thahs seed`. Chunk c goes to thread c mod n, which owns that lane of the
 * key space, so the data depends only on the seed, the thread count and the chunk size. The main
 * thread keeps its event loop free for the COPY traffic.
 */
export class GeneratorPool {
  /** Chunks requested and not yet answered. */
  private readonly unanswered = new Map<number, Settle>();
  /** Chunks requested and not yet collected by `result`. */
  private readonly results = new Map<number, Promise<CopyPayload>>();
  private readonly dead = new Map<number, string>();
  private closed = false;

  private constructor(private readonly workers: Worker[]) {
    workers.forEach((w, lane) => {
      w.on('message', (m: WorkerReply) => {
        const p = this.unanswered.get(m.chunk);
        if (!p) return;
        this.unanswered.delete(m.chunk);
        if (m.type === 'batch') p.resolve(m.payload);
        else p.reject(new GeneratorError(m.chunk, m.stack ?? m.message));
      });
      const fail = (reason: string) => {
        this.dead.set(lane, reason);
        for (const [chunk, p] of this.unanswered) {
          if (chunk % this.workers.length !== lane) continue;
          this.unanswered.delete(chunk);
          p.reject(new GeneratorError(chunk, reason));
        }
      };
      w.on('error', (err) => fail(err.message));
      w.on('exit', (code) => {
        if (!this.closed) fail(`generator thread ${lane} exited with code ${code}`);
      });
    });
  }

  static start(data: Omit<SeedWorkerData, 'lane' | 'lanes'>, lanes: number): GeneratorPool {
    const workers = Array.from({ length: lanes }, (_, lane) => scriptWorker(__filename, 'seedWorker', { workerData: { ...data, lane, lanes } }));
    return new GeneratorPool(workers);
  }

  get lanes(): number {
    return this.workers.length;
  }

  request(req: ChunkRequest): void {
    const lane = req.chunk % this.workers.length;
    const dead = this.dead.get(lane);
    const promise = dead ? Promise.reject(new GeneratorError(req.chunk, dead)) : new Promise<CopyPayload>((resolve, reject) => this.unanswered.set(req.chunk, { resolve, reject }));
    // Collected later, in chunk order; until then a failure must not count as unhandled.
    promise.catch(() => undefined);
    this.results.set(req.chunk, promise);
    if (!dead) (this.workers[lane] as Worker).postMessage(req);
  }

  /** The generated rows of `chunk` (requested earlier); each chunk is collected once. */
  result(chunk: number): Promise<CopyPayload> {
    const p = this.results.get(chunk);
    if (!p) return Promise.reject(new GeneratorError(chunk, 'chunk was never requested'));
    this.results.delete(chunk);
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
