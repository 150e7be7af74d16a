import * as path from 'path';
import { useDirectRecordBatchDecoding } from './fetchedRecordBatch';
import { useLinearPartitionGrouping } from './linearPartitionGrouping';
import { usePrebuiltProduceRequests } from './prebuiltProduceRequest';
import { useUninitialisedRequestBuffers } from './requestEncoderBuffers';

/**
 * The one door to the kafkajs internals this project replaces for speed: the request encoder's buffers,
 * the Produce v3 request and request framing (prebuilt record bodies), the per-partition grouping of a
 * send, and the decoding of fetched record batches. Each replacement is written against the private
 * modules of exactly this kafkajs version (package.json pins it); any other version is refused, loudly,
 * rather than patched blind — a changed private module could encode wrong requests or drop records.
 */
export const KAFKAJS_PINNED_VERSION = '2.2.4';

export class KafkajsFastPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkajsFastPathError';
  }
}

/** The version of the kafkajs this process resolves (its package.json, not a cached guess). */
export function installedKafkajsVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(path.dirname(require.resolve('kafkajs/package.json')), 'package.json')) as { version: string }).version;
}

/** Throws unless the resolved kafkajs is the pinned version; `version` is for tests. */
export function assertPinnedKafkajs(version = installedKafkajsVersion()): void {
  if (version !== KAFKAJS_PINNED_VERSION) {
    throw new KafkajsFastPathError(
      `kafkajs ${version} is installed, but the fast path (libs/kafka/kafkajsFastPath.ts) replaces private modules of kafkajs ${KAFKAJS_PINNED_VERSION} only: ` +
        `install kafkajs@${KAFKAJS_PINNED_VERSION} (npm ci), or port and re-test the replacements before changing the pin`,
    );
  }
}

/**
 * The producer's replacements. They must be in place before kafkajs is first loaded in the thread (its
 * modules bind the encoder and the grouping when loaded), so the sender thread's entry calls this and
 * only then requires the code that uses kafkajs. Too late is an error: without the replaced Produce
 * request kafkajs would send prebuilt messages as tombstones.
 */
export function installProducerFastPath(): void {
  assertPinnedKafkajs();
  const done = [
    ['request encoder buffers', useUninitialisedRequestBuffers()],
    ['prebuilt Produce requests and framing', usePrebuiltProduceRequests()],
    ['linear partition grouping', useLinearPartitionGrouping()],
  ] as const;
  const late = done.filter(([, ok]) => !ok).map(([name]) => name);
  if (late.length > 0) throw new KafkajsFastPathError(`kafkajs was loaded in this thread before the producer fast path (${late.join(', ')}) could be installed`);
}

/**
 * The consumer's replacement: fetched record batches decoded straight from the response buffer, with
 * headers beyond a cap read past (the apply consumer's limit before any signature check). Returns false
 * when a fetch was already decoded in this process: kafkajs's own decoder then stays (same records,
 * slower; the consumer's header-count check still refuses what the cap would have cut). Entry points
 * call it first; the apply consumer calls it again when it starts.
 */
export function installFetchFastPath(): boolean {
  assertPinnedKafkajs();
  return useDirectRecordBatchDecoding();
}
