import { parentPort, workerData } from 'worker_threads';
import type { MinistryCode } from '../model/codes';
import { parseDay } from './calendar';
import { CopyBatch, type CopyPayload } from './copyBatch';
import { generationWindow, type GenerationContext } from './generationContext';
import { generateJudgmentGroup } from './judgmentGroup';
import { KeySpace, type KeySpaceSnapshot } from './keySpace';
import { buildReferenceData } from './referenceData';

/**
 * A generator thread of `thahs seed`: turns chunks of person ordinals into COPY text and hands the
 * buffers back (transferred, not copied). Each thread owns one lane of the key space, so threads
 * never hand out the same ID number or running number.
 */
export interface SeedWorkerData {
  ministry: MinistryCode;
  seed: number;
  asOf: string;
  unitIds: [string, string][];
  courtIds: [string, string][];
  keys: KeySpaceSnapshot;
  lane: number;
  lanes: number;
}

export interface ChunkRequest {
  chunk: number;
  ordinal: number;
  persons: number;
}

export type WorkerReply = { type: 'batch'; chunk: number; payload: CopyPayload } | { type: 'error'; chunk: number; message: string; stack?: string };

function serve(): void {
  const port = parentPort;
  if (!port) throw new Error('seedWorker must run as a worker thread');
  const data = workerData as SeedWorkerData;
  const ref = buildReferenceData(data.ministry, new Map(data.unitIds), new Map(data.courtIds));
  const keys = KeySpace.fromSnapshot(data.keys, data.lane, data.lanes);
  const asOf = parseDay(data.asOf);
  const ctx: GenerationContext = { ministry: data.ministry, ref, keys, seed: data.seed, asOf, orderedIds: true, ...generationWindow(asOf) };
  port.on('message', (req: ChunkRequest) => {
    try {
      const batch = new CopyBatch();
      let done = 0;
      while (done < req.persons) done += generateJudgmentGroup(ctx, req.ordinal + done, req.persons - done, batch);
      const payload = batch.toPayload();
      const reply: WorkerReply = { type: 'batch', chunk: req.chunk, payload };
      port.postMessage(
        reply,
        payload.parts.map((p) => p.data.buffer as ArrayBuffer),
      );
    } catch (err) {
      const reply: WorkerReply = {
        type: 'error',
        chunk: req.chunk,
        message: err instanceof Error ? err.message : String(err),
        ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
      };
      port.postMessage(reply);
    }
  });
}

serve();
