import { loadConfig } from '../../libs/config';
import { StackManager } from '../../libs/stack';
import { secureSuiteEnvironment } from './secureSuiteEnvironment';

/**
 * Integration tests run against the real servers: bring the local stack up, or reuse the one that
 * is already running (`npm start`, an earlier test run). The stack stays up afterwards so the next
 * run is fast; `npm run stack -- down` stops it.
 */
export default async function globalSetup(): Promise<void> {
  const stack = new StackManager(loadConfig());
  await stack.up();
  // THAHS_STACK_PROFILE=secure: the credentials every test process and thread uses (see secureProfileClients.ts).
  secureSuiteEnvironment();
}
