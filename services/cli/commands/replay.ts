import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { Pool } from 'pg';
import { AgreementStore, databaseLabel } from '../../../libs/agreement-exchange';
import { loadConfig } from '../../../libs/config';
import { parseAgreementTopic } from '../../../libs/contracts/agreementTopics';
import { loadContracts } from '../../../libs/contracts/contractLoader';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import { createLogger } from '../../../libs/logger';
import {
  ensureOperatorLog,
  openAdmin,
  operatorName,
  parseInstant,
  planReplay,
  receivedAgreement,
  recordOperatorAction,
  replayPlanJson,
  scopeTopics,
  type ReplayEnd,
  type ReplayPlan,
  type ReplayStart,
} from '../../../libs/ops';
import { quoteIdent } from '../../../libs/partner-store';
import type { ReplayProgress } from '../../../services/apply-consumer/replayer';
import { replayerFor } from '../../../services/apply-consumer/replayerFor';
import { ministryArg, wholeArg } from '../cliParsers';

interface ReplayOptions {
  receiver: Ministry;
  agreement?: string;
  entity?: string;
  topic?: string;
  partition?: bigint;
  fromOffset?: bigint;
  fromTime?: string;
  toOffset?: bigint;
  toTime?: string;
  dryRun?: boolean;
  execute?: boolean;
  rebuild?: boolean;
  dbUrl?: string;
  topicPrefix: string;
  reason?: string;
  operator?: string;
  progress: boolean;
  json?: boolean;
}

function startOf(o: ReplayOptions): ReplayStart {
  if (o.fromOffset !== undefined && o.fromTime !== undefined) throw new Error('name at most one of --from-offset, --from-time');
  if (o.fromOffset !== undefined) return { kind: 'offset', offset: o.fromOffset };
  if (o.fromTime !== undefined) return { kind: 'time', at: parseInstant('--from-time', o.fromTime) };
  return { kind: 'earliest' };
}

function endOf(o: ReplayOptions): ReplayEnd {
  if (o.toOffset !== undefined && o.toTime !== undefined) throw new Error('name at most one of --to-offset, --to-time');
  if (o.toOffset !== undefined) return { kind: 'offset', offset: o.toOffset };
  if (o.toTime !== undefined) return { kind: 'time', at: parseInstant('--to-time', o.toTime) };
  return { kind: 'end' };
}

function pointText(p: ReplayStart | ReplayEnd): string {
  return p.kind === 'offset' ? `offset ${p.offset}` : p.kind === 'time' ? p.at.toISOString() : p.kind;
}

function planText(plan: ReplayPlan, title: string): string {
  const lines = [
    `${title}: from ${pointText(plan.from)} to ${pointText(plan.to)}`,
    'TOPIC  PARTITION  ĐẦU (LOW)  CUỐI (HIGH)  TỪ (START)  ĐẾN (END, EXCLUSIVE)  SỰ KIỆN (EVENTS, AT MOST)',
    ...plan.ranges.map((r) => `${r.topic}  ${r.partition}  ${r.low}  ${r.high}  ${r.start}  ${r.end}  ${r.events}`),
    `Tổng (total): ${plan.events} events at most in ${plan.ranges.filter((r) => r.events > 0n).length} of ${plan.ranges.length} partition(s) (a compacted topic holds fewer)`,
  ];
  if (plan.missing.length) lines.push(`Chủ đề chưa tồn tại (missing topics): ${plan.missing.join(', ')}`);
  return lines.join('\n');
}

function jsonOf(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2);
}

/** The agreement and its topics the options name: --agreement, or the agreement of --topic; narrowed to --entity / --topic. */
async function scopeOf(
  o: ReplayOptions,
  pool: Pool,
  url: string,
): Promise<{ agreementId: string; topics: string[]; entities: string[]; state: Awaited<ReturnType<typeof receivedAgreement>>['state']; partnerSchema: string }> {
  const fromTopic = o.topic === undefined ? null : parseAgreementTopic(o.topicPrefix, o.topic);
  const agreementId = o.agreement ?? fromTopic?.agreementId;
  if (agreementId === undefined) throw new Error('name the agreement (--agreement) or one of its topics (--topic <prefix>.<provider>.<agreement>.<entity>)');
  const { state, scope } = await receivedAgreement(new AgreementStore(pool, databaseLabel(url)), agreementId, o.receiver);
  let entities = scope.entities;
  const wanted = o.entity ?? (o.topic === undefined ? undefined : (fromTopic?.entity ?? o.topic));
  if (wanted !== undefined) {
    if (!entities.includes(wanted)) throw new Error(`${wanted} is not an entity of agreement ${agreementId} (${entities.join(', ')})`);
    entities = [wanted];
  }
  if (o.partition !== undefined && entities.length !== 1) throw new Error('--partition needs --entity or --topic');
  const topics = scopeTopics(o.topicPrefix, { ...scope, entities });
  return { agreementId, topics, entities, state, partnerSchema: scope.partnerSchema ?? `partner_${scope.provider}` };
}

/** Rows a rebuild would remove now, per entity (read only). */
async function heldRows(pool: Pool, schema: string, entities: readonly string[], agreementId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const e of entities) {
    const t = `${quoteIdent(schema)}.${quoteIdent(e)}`;
    const r = await pool.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [t]);
    out[e] = r.rows[0].present ? (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE _agreement_id = $1`, [agreementId])).rows[0].n : 0;
  }
  return out;
}

function progressBar(total: number, enabled: boolean): { update(p: Readonly<ReplayProgress>): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format:
      'replay [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted} | applied {applied}, stale {stale}, withheld {withheld}, dead letters {dead}',
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 5000,
    etaBuffer: 50,
  });
  const t0 = Date.now();
  bar.start(Math.max(total, 1), 0, { rate: 0, applied: 0, stale: 0, withheld: 0, dead: 0 });
  return {
    update(p) {
      const s = (Date.now() - t0) / 1000;
      bar.update(Math.min(p.read, Math.max(total, 1)), {
        rate: s > 0 ? Math.round(p.read / s) : 0,
        applied: p.applied,
        stale: p.stale,
        withheld: p.withheld,
        dead: p.deadLettered,
      });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * `thahs replay`: sends an agreement's events again from its topics through the apply consumer's own
 * verification, policy and position-checked writes, while the pipeline runs (an event older than what
 * the partner store holds changes nothing). A dry run (the default) prints the plan and touches
 * nothing; --execute runs it; --rebuild empties the agreement's partner store first and restores it
 * from the earliest offsets (compacted topics: the full current state). Every execution is recorded
 * in the receiver's operator log.
 */
export function register(program: Command): void {
  program
    .command('replay')
    .description("replay an agreement's events into the receiver's partner store (dry run by default; --execute; --rebuild)")
    .requiredOption('--receiver <ministry>', 'the receiving ministry, whose partner store is written: cand | qdnd', ministryArg)
    .option('--agreement <id>', 'the agreement (or name one of its topics with --topic)')
    .option('--entity <name>', 'only the topic of this entity')
    .option('--topic <topic>', "only this topic (its full name, which names the agreement, or the entity's)")
    .option('--partition <n>', 'only this partition (with --entity or --topic)', wholeArg('--partition'))
    .option('--from-offset <n>', 'start at this offset (default: the earliest retained)', wholeArg('--from-offset'))
    .option('--from-time <instant>', 'start at the first event at or after this instant (ISO 8601 with offset, YYYY-MM-DD, 2h, …)')
    .option('--to-offset <n>', 'end with this offset (included)', wholeArg('--to-offset'))
    .option('--to-time <instant>', 'end before the first event at or after this instant')
    .option('--dry-run', 'print the plan and change nothing (the default)')
    .option('--execute', 'run the plan')
    .option('--rebuild', "empty the agreement's partner store (its rows and tombstones) and restore it from the earliest offsets")
    .option('--db-url <url>', "the receiver's database (default: THAHS_<RECEIVER>_PG_URL)")
    .option('--topic-prefix <prefix>', 'pipeline prefix of topics and groups', 'thahs')
    .option('--reason <text>', 'why, recorded with an executed replay')
    .option('--operator <name>', 'who, recorded (default: the login and host)')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print JSON for scripts')
    .action(async (o: ReplayOptions) => {
      if (o.execute && o.dryRun) throw new Error('--dry-run and --execute exclude each other');
      if (o.rebuild && (o.fromOffset !== undefined || o.fromTime !== undefined || o.toOffset !== undefined || o.toTime !== undefined || o.partition !== undefined)) {
        throw new Error('--rebuild replays every partition from the earliest offset to the end: no --from-*, --to-* or --partition');
      }
      const config = loadConfig();
      const url = o.dbUrl ?? (o.receiver === 'cand' ? config.candPgUrl : config.qdndPgUrl);
      const pool = new Pool({ connectionString: url, max: 2, application_name: 'thahs-replay' });
      const k = await openAdmin(config.kafkaBrokers, 'thahs-replay');
      try {
        const s = await scopeOf(o, pool, url);
        const plan = await planReplay(k.admin, s.topics, startOf(o), endOf(o), o.partition === undefined ? undefined : Number(o.partition));
        if (o.rebuild && plan.missing.length > 0) {
          // Emptying a store whose topics are not there would restore nothing (a wrong --topic-prefix, a cluster not the provider's).
          throw new Error(`--rebuild refused: topics of agreement ${s.agreementId} do not exist: ${plan.missing.join(', ')} (check --topic-prefix and the brokers)`);
        }
        const removes = o.rebuild ? await heldRows(pool, s.partnerSchema, s.entities, s.agreementId) : undefined;
        const what = {
          agreementId: s.agreementId,
          receiver: o.receiver,
          rebuild: o.rebuild === true,
          partnerSchema: s.partnerSchema,
          entities: s.entities,
          ...(removes ? { removes } : {}),
        };
        if (!o.execute) {
          const note = o.rebuild
            ? `\nA rebuild would first remove from ${s.partnerSchema}: ${Object.entries(removes!)
                .map(([e, n]) => `${e} ${n} rows`)
                .join(', ')} (and their tombstones).`
            : '';
          process.stdout.write(
            `${o.json ? jsonOf({ executed: false, ...what, plan: replayPlanJson(plan) }) : `${planText(plan, `Kế hoạch phát lại (replay plan, dry run) — ${s.agreementId} → ${o.receiver}`)}${note}\nNothing was changed. Run again with --execute to replay.`}\n`,
          );
          return;
        }
        const who = operatorName(o.operator);
        await ensureOperatorLog(pool);
        const subject = { ...what, plan: replayPlanJson(plan) };
        const replayer = replayerFor(s.state, o.receiver, loadContracts(), {
          pgUrl: url,
          topicPrefix: o.topicPrefix,
          log: createLogger('thahs-replay', config.logLevel === 'info' ? 'warn' : config.logLevel),
        });
        const t0 = Date.now();
        let emptied: Awaited<ReturnType<typeof replayer.emptyStore>> | undefined;
        const bar = progressBar(Number(plan.events), o.progress && !o.json);
        try {
          await replayer.open();
          if (o.rebuild) emptied = await replayer.emptyStore(s.entities);
          const done = await replayer.replay(plan.ranges, (p) => bar.update(p));
          bar.stop();
          const seconds = (Date.now() - t0) / 1000;
          const detail = { ...done, seconds, eventsPerSecond: seconds > 0 ? Math.round(done.read / seconds) : null, ...(emptied ? { emptied } : {}) };
          const actionId = await recordOperatorAction(pool, {
            who,
            action: o.rebuild ? 'replay.rebuild' : 'replay',
            agreementId: s.agreementId,
            reason: o.reason ?? null,
            subject,
            result: 'done',
            detail,
          });
          if (o.json) process.stdout.write(`${jsonOf({ executed: true, ...what, plan: replayPlanJson(plan), result: detail, actionId })}\n`);
          else {
            process.stdout.write(
              `${planText(plan, `Đã phát lại (replayed) — ${s.agreementId} → ${o.receiver}`)}\n` +
                (emptied ? `Emptied first: ${emptied.map((e) => `${e.entity} ${e.rows} rows, ${e.tombstones} tombstones`).join('; ')}\n` : '') +
                `Read ${done.read} events in ${seconds.toFixed(1)} s (${detail.eventsPerSecond ?? '—'} events/s): applied ${done.applied}, stale ${done.stale} (the store held them or newer), withheld ${done.withheld}, dead-lettered ${done.deadLettered}. Recorded as partner_state.operator_action #${actionId}.\n`,
            );
          }
          if (done.deadLettered > 0) process.exitCode = 1;
        } catch (err) {
          bar.stop();
          await recordOperatorAction(pool, {
            who,
            action: o.rebuild ? 'replay.rebuild' : 'replay',
            agreementId: s.agreementId,
            reason: o.reason ?? null,
            subject,
            result: 'failed',
            detail: { error: (err as Error).message, ...(emptied ? { emptied } : {}) },
          }).catch(() => undefined);
          throw err;
        } finally {
          await replayer.close();
        }
      } finally {
        await k.close();
        await pool.end();
      }
    });
}
