import { Command } from 'commander';
import { loadConfig } from '../../../libs/config';
import { createKafka, readTopicWindow } from '../../../libs/kafka';
import { createLogger } from '../../../libs/logger';
import { EventVerifier, PublicKeyRing } from '../../../libs/signing';
import { summarizeEvent } from '../eventSummary';

function wholeNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return n;
}

export function register(program: Command): void {
  const events = program.command('events').description('look at exchanged events on Kafka (envelope only; row values are never printed)');
  events
    .command('show')
    .description('print one JSON line per event: operation, position, commit time, event id, signing key, value size')
    .requiredOption('--topic <topic>', 'e.g. thahs.cand.person')
    .option('-n, --count <n>', 'events per partition: the last ones, or from --offset on', '10')
    .option('--partition <p>', 'only this partition')
    .option('--offset <o>', 'start here instead of at the end')
    .option('--verify', 'check each proof with the public keys in the keys folder')
    .option('--keys-dir <dir>', 'keys folder for --verify (default: THAHS_KEYS_DIR)')
    .action(async (opts: { topic: string; count: string; partition?: string; offset?: string; verify?: boolean; keysDir?: string }) => {
      const config = loadConfig();
      const count = wholeNumber('--count', opts.count);
      const partition = opts.partition === undefined ? undefined : wholeNumber('--partition', opts.partition);
      const offset = opts.offset === undefined ? undefined : BigInt(wholeNumber('--offset', opts.offset));
      const ring = opts.verify ? PublicKeyRing.fromDir(opts.keysDir ?? config.keysDir) : undefined;
      const verifier = ring ? new EventVerifier((id) => ring.get(id)) : undefined;
      const kafka = createKafka('thahs-events-show', config.kafkaBrokers, createLogger('thahs-events-show', 'warn'));
      const msgs = await readTopicWindow(kafka, opts.topic, { count, partition, offset });
      for (const m of msgs) process.stdout.write(`${JSON.stringify(summarizeEvent(m, verifier))}\n`);
      if (msgs.length === 0) process.stderr.write(`no events in ${opts.topic} for that window\n`);
    });
}
