import { Command, Option } from 'commander';
import { Pool } from 'pg';
import { AgreementStore, databaseLabel } from '../../../libs/agreement-exchange';
import { loadConfig } from '../../../libs/config';
import { parseAgreementTopic } from '../../../libs/contracts/agreementTopics';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import {
  ensureOperatorLog,
  executeReset,
  GroupLiveError,
  groupPositions,
  openAdmin,
  operatorName,
  parseInstant,
  planReset,
  receivedAgreement,
  recordOperatorAction,
  scopeGroup,
  scopeTopics,
  timeOffsetsFor,
  type GroupPositions,
  type ResetPlan,
  type ResetTarget,
} from '../../../libs/ops';
import { forgetPartitionSequences } from '../../../libs/partner-store';
import { ministryArg, wholeArg } from '../cliParsers';

interface Common {
  agreement: string;
  receiver: Ministry;
  dbUrl?: string;
  topicPrefix: string;
  topic?: string;
  partition?: bigint;
  json?: boolean;
}

interface ResetOptions extends Common {
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: string;
  toOffset?: bigint;
  execute?: boolean;
  force?: boolean;
  timeout: bigint;
  reason?: string;
  operator?: string;
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--agreement <id>', 'the agreement whose consumer group it is')
    .requiredOption('--receiver <ministry>', 'the receiving ministry: cand | qdnd', ministryArg)
    .option('--db-url <url>', "the receiver's database, where the agreement history is (default: THAHS_<RECEIVER>_PG_URL)")
    .option('--topic-prefix <prefix>', 'pipeline prefix of topics and groups', 'thahs')
    .option('--topic <topic>', "only this topic of the agreement (its full name or the entity's)")
    .option('--partition <n>', 'only this partition (with --topic)', wholeArg('--partition'))
    .option('--json', 'print JSON for scripts');
}

/** The group and topics of the agreement, narrowed to --topic/--partition. */
async function target(o: Common): Promise<{ group: string; topics: string[]; store: AgreementStore; pool: Pool }> {
  const config = loadConfig();
  const url = o.dbUrl ?? (o.receiver === 'cand' ? config.candPgUrl : config.qdndPgUrl);
  const pool = new Pool({ connectionString: url, max: 2, application_name: 'thahs-offsets' });
  const store = new AgreementStore(pool, databaseLabel(url));
  try {
    const { scope } = await receivedAgreement(store, o.agreement, o.receiver);
    const group = scopeGroup(o.topicPrefix, scope)!;
    let topics = scopeTopics(o.topicPrefix, scope);
    if (o.topic !== undefined) {
      const wanted = topics.find((t) => t === o.topic || parseAgreementTopic(o.topicPrefix, t)?.entity === o.topic);
      if (!wanted) throw new Error(`--topic: ${o.topic} is not a topic of agreement ${o.agreement} (${topics.join(', ')})`);
      topics = [wanted];
    } else if (o.partition !== undefined) throw new Error('--partition needs --topic');
    return { group, topics, store, pool };
  } catch (err) {
    await pool.end();
    throw err;
  }
}

function narrowed(g: GroupPositions, o: Common): GroupPositions {
  if (o.partition === undefined) return g;
  const partitions = g.partitions.filter((p) => BigInt(p.partition) === o.partition);
  if (partitions.length === 0) throw new Error(`--partition: ${g.partitions[0]?.topic ?? o.topic} has no partition ${o.partition}`);
  return { ...g, partitions, totalLag: partitions.reduce((s, p) => s + p.lag, 0n) };
}

const str = (v: bigint | null): string => (v === null ? '—' : v.toString());

function positionsText(g: GroupPositions): string {
  const lines = [
    `Nhóm tiêu thụ (group) ${g.group.groupId}: ${g.group.state}, ${g.group.members.length} thành viên (members)${g.group.members.length ? `: ${g.group.members.map((m) => `${m.clientId}@${m.clientHost}`).join(', ')}` : ''}`,
    'TOPIC  PARTITION  ĐẦU (LOW)  CUỐI (HIGH)  ĐÃ XÁC NHẬN (COMMITTED)  ĐỘ TRỄ (LAG)',
    ...g.partitions.map((p) => `${p.topic}  ${p.partition}  ${p.low}  ${p.high}  ${str(p.committed)}  ${p.lag}`),
    `Tổng độ trễ (total lag): ${g.totalLag}`,
  ];
  if (g.missingTopics.length) lines.push(`Chủ đề chưa tồn tại (missing topics): ${g.missingTopics.join(', ')}`);
  return lines.join('\n');
}

function jsonOf(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2);
}

function targetOf(o: ResetOptions): ResetTarget {
  const chosen = [o.toEarliest, o.toLatest, o.toDatetime !== undefined, o.toOffset !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new Error('name exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset');
  if (o.toEarliest) return { kind: 'earliest' };
  if (o.toLatest) return { kind: 'latest' };
  if (o.toOffset !== undefined) return { kind: 'offset', offset: o.toOffset };
  return { kind: 'datetime', atMs: parseInstant('--to-datetime', o.toDatetime!).getTime() };
}

function planText(plan: ResetPlan, executed: boolean): string {
  const effect = (r: ResetPlan['rows'][number]): string =>
    r.effect === 'none' ? 'không đổi (unchanged)' : r.effect === 'repeat' ? `đọc lại (repeats) ${r.events}` : `BỎ QUA (SKIPS) ${r.events}`;
  return [
    `${executed ? 'Đã đặt lại' : 'Kế hoạch (dry run)'} — group ${plan.groupId}, target ${plan.target.kind}${plan.target.kind === 'datetime' ? ` ${new Date(plan.target.atMs).toISOString()}` : plan.target.kind === 'offset' ? ` ${plan.target.offset}` : ''}`,
    'TOPIC  PARTITION  HIỆN TẠI (CURRENT) → MỚI (NEW)  HIỆU QUẢ (EFFECT)',
    ...plan.rows.map(
      (r) =>
        `${r.topic}  ${r.partition}  ${str(r.current)} → ${r.target}${r.clampedFrom !== undefined ? ` (asked ${r.clampedFrom}, outside ${r.low}..${r.high})` : ''}  ${effect(r)}`,
    ),
    `Tổng (total): ${plan.repeated} offsets read again, ${plan.skipped} skipped${plan.skipped > 0n ? ' — skipped events never reach the partner store until re-published' : ''}`,
    executed ? '' : 'Nothing was changed. Run again with --execute to apply this plan.',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/**
 * `thahs offsets show|reset`: an agreement's consumer group, as `kafka-consumer-groups --describe` and
 * `--reset-offsets` do it. A reset is a dry run unless --execute; it is refused while the group has
 * live members (Kafka accepts offsets from outside a group only when it is empty), or with --force
 * waits for it to empty; an executed reset is recorded in the receiver's operator log.
 */
export function register(program: Command): void {
  const offsets = program.command('offsets').description("an agreement's consumer group: committed offsets, lag, and resets (dry run by default)");

  common(offsets.command('show').description('committed offset, end and lag of the group on every partition of the agreement, and its live members')).action(async (o: Common) => {
    const t = await target(o);
    const k = await openAdmin(loadConfig().kafkaBrokers, 'thahs-offsets');
    try {
      const g = narrowed(await groupPositions(k.admin, t.group, t.topics), o);
      process.stdout.write(`${o.json ? jsonOf(g) : positionsText(g)}\n`);
    } finally {
      await k.close();
      await t.pool.end();
    }
  });

  common(offsets.command('reset').description('move the group: print the plan (default), or --execute it'))
    .addOption(new Option('--to-earliest', 'to the first retained event (a full replay; the topics are compacted: the current state)'))
    .addOption(new Option('--to-latest', 'to the end (everything not yet consumed is skipped)'))
    .option('--to-datetime <instant>', 'to the first event at or after this instant (ISO 8601 with offset, YYYY-MM-DD, 2h, …)')
    .option('--to-offset <n>', 'to this offset (moved into the retained range when outside it)', wholeArg('--to-offset'))
    .option('--execute', 'apply the plan (without it nothing is changed)')
    .option('--force', 'while the group has live members, wait for it to empty (up to --timeout) instead of refusing')
    .option('--timeout <seconds>', 'how long --force waits', wholeArg('--timeout'), 120n)
    .option('--reason <text>', 'why, recorded with an executed reset')
    .option('--operator <name>', 'who, recorded with an executed reset (default: the login and host)')
    .action(async (o: ResetOptions) => {
      const target_ = targetOf(o);
      const t = await target(o);
      const k = await openAdmin(loadConfig().kafkaBrokers, 'thahs-offsets');
      try {
        const g = narrowed(await groupPositions(k.admin, t.group, t.topics), o);
        const plan = planReset(t.group, g.partitions, target_, await timeOffsetsFor(k.admin, target_, [...new Set(g.partitions.map((p) => p.topic))]));
        if (!o.execute) {
          process.stdout.write(`${o.json ? jsonOf({ executed: false, plan, members: g.group.members }) : planText(plan, false)}\n`);
          if (g.group.members.length > 0 && !o.json)
            process.stdout.write(`Note: the group has ${g.group.members.length} live member(s) now; --execute will be refused while it has.\n`);
          return;
        }
        const who = operatorName(o.operator);
        await ensureOperatorLog(t.pool);
        const subject = {
          group: t.group,
          target: target_.kind === 'offset' ? { kind: 'offset', offset: target_.offset.toString() } : target_,
          rows: plan.rows.map((r) => ({ topic: r.topic, partition: r.partition, from: str(r.current), to: r.target.toString(), effect: r.effect, offsets: r.events.toString() })),
        };
        try {
          await executeReset(k.admin, plan, {
            force: o.force,
            timeoutMs: Number(o.timeout) * 1000,
            onWait: (grp) => process.stderr.write(`waiting for group ${grp.groupId} to empty (${grp.members.length} member(s), ${grp.state})\n`),
          });
        } catch (err) {
          const refused = err instanceof GroupLiveError;
          await recordOperatorAction(t.pool, {
            who,
            action: 'offsets.reset',
            agreementId: o.agreement,
            reason: o.reason ?? null,
            subject,
            result: refused ? 'refused' : 'failed',
            detail: { error: (err as Error).message },
          });
          if (!refused) throw err;
          // Exit code 3, as `thahs status` uses it: a person must act (stop the consumer) first.
          process.stderr.write(`thahs: reset refused: ${(err as Error).message}\n`);
          if (o.json) process.stdout.write(`${jsonOf({ executed: false, refused: true, reason: (err as Error).message, plan })}\n`);
          process.exitCode = 3;
          return;
        }
        // The gap check's record of these partitions would take the events skipped on purpose for a loss.
        await forgetPartitionSequences(
          t.pool,
          t.group,
          plan.rows.filter((r) => r.effect !== 'none'),
        );
        await recordOperatorAction(t.pool, { who, action: 'offsets.reset', agreementId: o.agreement, reason: o.reason ?? null, subject, result: 'done' });
        const after = narrowed(await groupPositions(k.admin, t.group, t.topics), o);
        process.stdout.write(`${o.json ? jsonOf({ executed: true, plan, after }) : `${planText(plan, true)}\n\n${positionsText(after)}`}\n`);
      } finally {
        await k.close();
        await t.pool.end();
      }
    });
}
