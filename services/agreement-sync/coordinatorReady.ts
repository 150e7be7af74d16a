import type { Admin } from 'kafkajs';
import type { Logger } from '../../libs/logger';

/** Broker answers (kafkajs names, codes 14-16) that mean "ask again shortly": the group's coordinator is loading or moving. */
const NOT_READY = new Set(['GROUP_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP']);

function notReady(err: unknown): boolean {
  const e = err as { type?: string; retriable?: boolean; cause?: unknown } | null;
  if (!e) return false;
  if (typeof e.type === 'string' && NOT_READY.has(e.type)) return true;
  return e.cause !== undefined && notReady(e.cause);
}

/**
 * Waits until the coordinator of `groupId` answers an offset fetch. A broker that has just started
 * (or created `__consumer_offsets`) loads each coordinator partition before serving its groups; a
 * kafkajs consumer that joins meanwhile does not retry the answer "the coordinator is loading" but
 * crashes and restarts, which kafkajs and we logged as three error lines per attempt at every start.
 * Asking first costs one request when the coordinator is ready. Gives up after `timeoutMs` (the
 * consumer then starts anyway and kafkajs's own restart takes over) and returns whether it was ready.
 */
export async function awaitGroupCoordinator(admin: Admin, groupId: string, topic: string, log: Logger, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100, attempt = 1; ; delay = Math.min(delay * 2, 2000), attempt++) {
    try {
      await admin.fetchOffsets({ groupId, topics: [topic] });
      if (attempt > 1) log.debug('group coordinator ready', { group: groupId, attempts: attempt });
      return true;
    } catch (err) {
      if (!notReady(err)) throw err;
      if (Date.now() + delay > deadline) {
        log.warn('group coordinator still not ready; starting the consumer anyway', { group: groupId, waitedMs: timeoutMs, error: (err as Error).message });
        return false;
      }
      log.debug('group coordinator not ready yet; waiting', { group: groupId, attempt, error: (err as Error).message });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
