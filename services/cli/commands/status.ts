import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../../libs/config';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import { httpMainJob } from '../../../libs/ops';
import { DEFAULT_THRESHOLDS, renderStatusText, StatusGatherer, statusOptionsFromConfig, watchFrame, type ExchangeStatus } from '../../../libs/status';

function ministryArg(v: string): Ministry {
  if (v !== 'cand' && v !== 'qdnd') throw new InvalidArgumentError('expected cand or qdnd');
  return v;
}

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

interface StatusCliOptions {
  ministry?: Ministry;
  json?: boolean;
  watch?: boolean;
  interval: number;
  topicPrefix: string;
  metricsPort?: number;
  allPartitions?: boolean;
  maxLag?: number;
}

/**
 * `thahs status`: one screen per ministry (servers, slot lag, producer rate, agreements with their
 * consumer lag, last applied commit, dead letters, withheld, last reconciliation, alarms). Exit code 0
 * when nothing needs a person, 3 when a critical alarm does, 1 when the tool itself failed.
 */
export function register(program: Command): void {
  program
    .command('status')
    .description('the state of the exchange, per ministry, with alarms (exit code 0 healthy, 3 something needs a person)')
    .option('--ministry <ministry>', 'only this ministry: cand | qdnd', ministryArg)
    .option('--json', 'print one JSON document (the model the status page shows)')
    .option('--watch', 'redraw every --interval seconds until Ctrl-C')
    .option('--interval <seconds>', 'seconds between two redraws of --watch', positive('--interval'), 2)
    .option('--topic-prefix <prefix>', 'pipeline prefix of topics, groups and slots', 'thahs')
    .option('--metrics-port <port>', 'port of the main job /health and /metrics (default: THAHS_METRICS_PORT)', positive('--metrics-port'))
    .option('--all-partitions', 'list every partition, not only those behind')
    .option('--max-lag <events>', `consumer lag that raises a warning (default ${DEFAULT_THRESHOLDS.lagWarn})`, positive('--max-lag'))
    .action(async (o: StatusCliOptions) => {
      const config = loadConfig();
      const port = o.metricsPort ?? config.metricsPort;
      const options = statusOptionsFromConfig(config, {
        topicPrefix: o.topicPrefix,
        ministries: o.ministry ? [o.ministry] : undefined,
        mainJob: httpMainJob(port),
        mainJobEndpoint: `http://127.0.0.1:${port}`,
      });
      const gatherer = new StatusGatherer({ ...options, thresholds: { ...DEFAULT_THRESHOLDS, ...(o.maxLag ? { lagWarn: o.maxLag } : {}) } });
      const show = (s: ExchangeStatus): string =>
        o.json ? `${JSON.stringify(s, null, 2)}\n` : renderStatusText(s, { allPartitions: o.allPartitions, color: process.stdout.isTTY === true });
      try {
        if (!o.watch) {
          const s = await gatherer.gather();
          process.stdout.write(show(s));
          process.exitCode = s.exitCode;
          return;
        }
        await watch(gatherer, show, o.interval * 1000, Boolean(o.json));
      } finally {
        await gatherer.close();
      }
    });
}

/** Redraws in place (alternate screen, no clearing between frames) until SIGINT/SIGTERM; --json prints one document per line. */
async function watch(gatherer: StatusGatherer, show: (s: ExchangeStatus) => string, everyMs: number, json: boolean): Promise<void> {
  const tty = process.stdout.isTTY === true && !json;
  let stop = false;
  let wake: () => void = () => undefined;
  const onSignal = (): void => {
    stop = true;
    wake();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (tty) process.stdout.write('\x1b[?1049h\x1b[?25l');
  try {
    while (!stop) {
      const s = await gatherer.gather();
      process.exitCode = s.exitCode;
      if (tty) process.stdout.write(watchFrame(show(s)));
      else process.stdout.write(json ? `${JSON.stringify(s)}\n` : `${show(s)}\n`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, everyMs);
      });
    }
  } finally {
    if (tty) process.stdout.write('\x1b[?25h\x1b[?1049l');
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
