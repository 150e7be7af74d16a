import type { Worker } from 'worker_threads';
import { scriptWorker } from '../../libs/threads';
import type { PreparedBatch } from './changePublisher';
import { packRequests, packTransferList } from './recordPack';
import type { SenderCommand, SenderReply, SenderWorkerData } from './senderWorker';

/** Where prepared requests go: resolves once Kafka acknowledged every record (acks from all in-sync replicas). */
export interface RecordSender {
  send(requests: readonly PreparedBatch[]): Promise<void>;
  stop(): Promise<void>;
}

/** The sender thread failed or exited; nothing sent through it since the last acknowledgement counts as sent. */
export class SenderThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SenderThreadError';
  }
}

interface Pending {
  resolve(): void;
  reject(e: Error): void;
}

/**
 * The producer's kafkajs client on a thread of its own. kafkajs builds every record, batch and request
 * in growing zero-filled buffers and copies each into the next: ~40 % of the producer's main-thread CPU,
 * with the garbage it leaves. Here the main thread decodes, maps, encodes and signs while this thread
 * encodes and sends the previous batch, on the other core. Requests are packed into one transferred
 * buffer (recordPack), sent strictly in order, one at a time.
 */
export class SenderThread implements RecordSender {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure?: SenderThreadError;
  private stopping?: Promise<void>;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (r: SenderReply) => {
      if (r.type !== 'sent' && r.type !== 'failed') return;
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (r.type === 'sent') p?.resolve();
      else p?.reject(new SenderThreadError(r.message));
    });
    worker.on('error', (err) => this.fail(`sender thread failed: ${err.message}`));
    worker.on('exit', (code) => this.fail(`sender thread exited with code ${code}`));
  }

  /** Starts the thread and connects its producer; rejects with the connection's error. */
  static async start(data: SenderWorkerData): Promise<SenderThread> {
    // The thread's heap holds the message objects of one request at a time (kafkajs's buffers live
    // outside it), so a small old generation does; the process flags sized for the main thread would add
    // ~100 MB. Its young generation takes every record's objects: at 12 MB scavenges were a seventh of
    // the thread's CPU.
    const worker = scriptWorker(__filename, 'senderWorker', { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 32 } });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (r: SenderReply): void => {
        if (r.type === 'ready') done();
        else if (r.type === 'start-failed') done(new SenderThreadError(r.message));
      };
      const onExit = (code: number): void => done(new SenderThreadError(`sender thread exited with code ${code} before it connected`));
      const onError = (err: Error): void => done(new SenderThreadError(`sender thread failed: ${err.message}`));
      const done = (err?: Error): void => {
        worker.off('message', onMessage).off('exit', onExit).off('error', onError);
        if (err) {
          void worker.terminate();
          reject(err);
        } else resolve();
      };
      worker.on('message', onMessage).on('exit', onExit).on('error', onError);
    });
    // The service's own sockets keep the process alive; a sender left running must not (a test that failed
    // before stop, a start that failed later).
    worker.unref();
    return new SenderThread(worker);
  }

  send(requests: readonly PreparedBatch[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.stopping) return Promise.reject(new SenderThreadError('the sender thread is stopping'));
    const id = this.nextId++;
    const packed = packRequests(requests);
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const command: SenderCommand = { type: 'send', id, packed };
      this.worker.postMessage(command, packTransferList(packed));
    });
  }

  /** Lets the sends already posted finish, disconnects the producer and ends the thread. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (this.failure) return resolve();
      this.worker.once('exit', () => resolve());
      const command: SenderCommand = { type: 'stop' };
      this.worker.postMessage(command);
    });
    return this.stopping;
  }

  private fail(message: string): void {
    if (this.stopping && this.pending.size === 0) return;
    this.failure ??= new SenderThreadError(message);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
