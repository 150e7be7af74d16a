import { loadConfig } from '../../libs/config';
import { StackManager } from '../../libs/stack';

/**
 * Integration tests run against the real servers: bring the local stack up, or reuse the one that
 * is already running (`npm start`, an earlier test run). The stack stays up afterwards so the next
 * run is fast; `npm run stack -- down` stops it.
 */
export default async function globalSetup(): Promise<void> {
  const stack = new StackManager(loadConfig());
  await stack.up();
}
