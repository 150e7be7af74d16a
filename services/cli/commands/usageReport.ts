import { Command } from 'commander';
import { parseInstantMs } from '../../../libs/agreements';
import { addSideOptions, onSide, type SideOptions } from './agreement';
import { registerRequestQueries, requestStepOutput } from './reportError';

/**
 * `thahs usage-report`: Art. 14.1(b) — the provider asks a consumer how it used the data in a period
 * (when misuse is suspected); the consumer answers with figures from its access log and partner
 * store, or refuses with a reason. Signed events on the requests topic, tracked in both databases.
 */
function instantText(option: string, text: string): string {
  const p = parseInstantMs(text);
  if (!p.ok) throw new Error(`${option}: ${p.reason}`);
  return new Date(p.value).toISOString();
}

export function register(program: Command): void {
  const cmd = program.command('usage-report').description('Art. 14.1(b): usage-report requests from the provider and the consumer answers');

  addSideOptions(
    cmd
      .command('request')
      .description('(provider) ask a consumer to report how it used the data in a period')
      .requiredOption('--agreement <id>', 'the agreement')
      .requiredOption('--consumer <party>', 'the consumer body asked, e.g. qdnd.cuc-dths')
      .requiredOption('--reason <text>', 'why the report is required (the suspected misuse)')
      .requiredOption('--from <instant>', 'start of the period (ISO 8601 with offset)')
      .option('--to <instant>', 'end of the period (default: now)'),
    true,
  ).action((o: SideOptions & { agreement: string; consumer: string; reason: string; from: string; to?: string }) =>
    onSide(o, async (x) =>
      requestStepOutput(
        o,
        await x.client().requestUsageReport({
          agreementId: o.agreement,
          consumer: o.consumer,
          reason: o.reason,
          periodFrom: instantText('--from', o.from),
          periodTo: o.to === undefined ? new Date().toISOString() : instantText('--to', o.to),
        }),
      ),
    ),
  );

  addSideOptions(cmd.command('answer <requestId>').description("(consumer) answer with figures from this ministry's access log and partner store"), true).action(
    (id: string, o: SideOptions) => onSide(o, async (x) => requestStepOutput(o, await x.client().answerUsageReport(id))),
  );
  addSideOptions(
    cmd.command('refuse <requestId>').description('(consumer) refuse the request; the reason reaches the provider').requiredOption('--reason <text>', 'why'),
    true,
  ).action((id: string, o: SideOptions & { reason: string }) => onSide(o, async (x) => requestStepOutput(o, await x.client().refuseRequest(id, o.reason))));
  registerRequestQueries(cmd, 'usage_report');
}
