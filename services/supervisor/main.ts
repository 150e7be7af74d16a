import 'reflect-metadata';
import { loadConfig } from '../../libs/config';
import { installFetchFastPath } from '../../libs/kafka';
import { createLogger } from '../../libs/logger';
import { StackManager } from '../../libs/stack';
import { buildServices } from './services';
import { Supervisor } from './supervisor';

/**
 * `npm start`: the local stack, the database migrations of both ministries, then the pipeline
 * services under one supervisor — with THAHS_DEMO=on (the default) also the example agreements in
 * force, seed data and a gentle workload, so data flows both ways. Ctrl-C stops the services
 * gracefully, and also the servers if this run started them (a stack that was already running is left
 * as it was found).
 */
async function main(): Promise<void> {
  // Before any service fetches: the consumers' record decoding (and a kafkajs other than the pinned one refused here).
  installFetchFastPath();
  // Our producers choose their partitioner explicitly; kafkajs' notice about its v2 default is noise here.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const config = loadConfig();
  const log = createLogger('supervisor', config.logLevel);
  const stack = new StackManager(config, (line) => log.info(line, { component: 'stack' }));
  const before = await stack.status();
  const wasRunning = before.every((s) => s.running);
  const rows = await stack.up();
  for (const r of rows) log.info('server ready', { component: r.name, endpoint: r.endpoint, logFile: r.logFile });

  const supervisor = new Supervisor(await buildServices(config, log), log, config.metricsPort);
  let exiting = false;
  const shutdown = (signal: string): void => {
    if (exiting) return;
    exiting = true;
    log.info('shutting down', { signal, stopStack: !wasRunning });
    void (async () => {
      await supervisor.stop();
      if (!wasRunning) await stack.down();
      log.info('stopped');
      process.exit(0);
    })().catch((err: unknown) => {
      log.error('shutdown failed', { error: (err as Error).message });
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await supervisor.start();
  } catch (err) {
    // The supervisor has stopped what it started; servers this run started go too.
    if (!exiting && !wasRunning) await stack.down().catch(() => undefined);
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`thahs supervisor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
