import { Command, InvalidArgumentError } from 'commander';
import { Client } from 'pg';
import { AgreementStore, databaseLabel } from '../../../libs/agreement-exchange';
import { loadConfig, redactUrl } from '../../../libs/config';
import { loadContracts } from '../../../libs/contracts/contractLoader';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import { recordAccess } from '../../../libs/partner-store/accessLog';
import { registryAccess, registryFetch } from '../../../libs/registry-client';
import {
  agreementScope,
  decodeDeadLetter,
  discardDeadLetters,
  listDeadLetters,
  operatorName,
  parseInstant,
  readDeadLetter,
  registrySchemas,
  retryDeadLetters,
  type DeadLetterFilter,
  type DeadLetterSummary,
} from '../../../libs/ops';
import { ministryArg } from '../cliParsers';

function limitArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('--limit must be a whole number from 1 to 100000');
  return n;
}

interface Side {
  receiver: Ministry;
  dbUrl?: string;
  json?: boolean;
}

interface FilterOptions extends Side {
  agreement?: string;
  entity?: string;
  from?: string;
  to?: string;
  limit?: number;
}

/** Purpose recorded in the access log for an operator reading a dead letter: maintenance of the connection (Art. 8.2). */
const MAINTENANCE_PURPOSE = 'EXCHANGE_MAINTENANCE';

function side(cmd: Command): Command {
  return cmd
    .requiredOption('--receiver <ministry>', 'the receiving ministry, whose database holds the dead letters: cand | qdnd', ministryArg)
    .option('--db-url <url>', "the receiver's database (default: THAHS_<RECEIVER>_PG_URL)")
    .option('--json', 'print JSON for scripts');
}

function filters(cmd: Command, reasonFlag: string): Command {
  return cmd
    .option('--agreement <id>', 'only this agreement')
    .option('--entity <name>', 'only this entity')
    .option(`${reasonFlag} <code>`, 'only this dead-letter reason (bad-signature, undecodable, unknown-schema, …)')
    .option('--from <instant>', 'dead-lettered at or after (ISO 8601 with offset, YYYY-MM-DD, 2h, 7d, …)')
    .option('--to <instant>', 'dead-lettered before');
}

function filterOf(o: FilterOptions, reason: string | undefined, ids?: string[]): DeadLetterFilter {
  for (const id of ids ?? []) if (!/^\d{1,18}$/.test(id)) throw new Error(`dead-letter id must be a whole number, got "${id}"`);
  return {
    agreementId: o.agreement,
    entity: o.entity,
    reason,
    from: o.from === undefined ? undefined : parseInstant('--from', o.from),
    to: o.to === undefined ? undefined : parseInstant('--to', o.to),
    ids: ids && ids.length > 0 ? ids : undefined,
    limit: o.limit,
  };
}

const DB_CONNECT_TIMEOUT_MS = 15_000;

async function withDb<T>(o: Side, work: (db: Client, url: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const url = o.dbUrl ?? (o.receiver === 'cand' ? config.candPgUrl : config.qdndPgUrl);
  // Bounded: a database that does not answer (wrong port, a stalled TLS handshake) is an error naming it, never a wait without end.
  const db = new Client({ connectionString: url, application_name: 'thahs-dlq', connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS });
  try {
    await db.connect();
  } catch (err) {
    await db.end().catch(() => undefined);
    throw new Error(`cannot connect to ${o.receiver}'s database ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return await work(db, url);
  } catch (err) {
    // PostgreSQL's own text names the object but not who asked: the operator must see which role lacks which right.
    if ((err as { code?: unknown }).code === '42501') {
      const role = decodeURIComponent(new URL(url).username) || '(the default user)';
      throw new Error(
        `${o.receiver}'s database ${redactUrl(url)} refused role ${role}: ${(err as Error).message} (its grants: docs/deployment.md, "Least privilege in the databases")`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    await db.end().catch(() => undefined);
  }
}

function listText(total: number, rows: DeadLetterSummary[]): string {
  if (rows.length === 0) return 'Không có sự kiện lỗi (no dead letters match)';
  const lines = [
    'ID  LÚC (AT)  THỎA THUẬN (AGREEMENT)  THỰC THỂ (ENTITY)  LÝ DO (REASON)  VỊ TRÍ (TOPIC[PARTITION]@OFFSET)  SỰ KIỆN (EVENT ID)',
    ...rows.map(
      (d) => `${d.id}  ${d.at.toISOString()}  ${d.agreementId}  ${d.entity ?? '—'}  ${d.reason}  ${d.topic}[${d.partition}]@${d.offset}  ${d.eventId ?? '(meta did not decode)'}`,
    ),
  ];
  if (total > rows.length) lines.push(`… ${total - rows.length} more (raise --limit or narrow the filter)`);
  return lines.join('\n');
}

/**
 * `thahs dlq list|show|discard`: the dead letters in the receiver's partner_state.dead_letter.
 * list prints coordinates, reason and the event id of the meta header — never a key, value or detail.
 * show adds the detail (it may quote the event), the decoded meta, the record key and, of the value,
 * which agreed fields it holds and which are null (with --values, their values); fields outside the
 * agreement are only named. Every show is recorded in the access log first. discard needs --reason,
 * records each dead letter in the operator log and deletes it. retry sends dead letters through the apply
 * consumer's verification, policy and store again (services/apply-consumer/replayer.ts), records each
 * outcome in the operator log and removes those that no longer fail.
 */
export function register(program: Command): void {
  const dlq = program
    .command('dlq')
    .description("dead letters of a receiver's apply consumers: list, show (recorded in the access log), retry, discard (both recorded in the operator log)");

  filters(side(dlq.command('list').description('dead letters matching the filters: coordinates, reason, event id (no contents)')), '--reason')
    .option('--limit <n>', 'at most this many', limitArg, 100)
    .action((o: FilterOptions & { reason?: string }) =>
      withDb(o, async (db) => {
        const r = await listDeadLetters(db, filterOf(o, o.reason));
        process.stdout.write(`${o.json ? JSON.stringify(r, null, 2) : listText(r.total, r.rows)}\n`);
      }),
    );

  side(dlq.command('show <id>').description('one dead letter: coordinates, reason, detail, decoded meta, key, and the agreed fields of its value'))
    .option('--values', 'also print the values of the fields the agreement shares (never others)')
    .option('--purpose <code>', `purpose code recorded in the access log (default ${MAINTENANCE_PURPOSE}: maintenance of the connection, Art. 8.2)`, MAINTENANCE_PURPOSE)
    .option('--operator <name>', 'who reads, recorded in the access log (default: the login and host)')
    .action((id: string, o: Side & { values?: boolean; purpose: string; operator?: string }) =>
      withDb(o, async (db, url) => {
        const letter = await readDeadLetter(db, id);
        if (!letter) throw new Error(`no dead letter ${id} in ${o.receiver}'s database`);
        // Recorded before anything is shown: a read that cannot be logged is not made.
        await recordAccess(
          db,
          operatorName(o.operator),
          `partner_state.dead_letter ${id} (${letter.agreementId}/${letter.entity ?? '?'}): meta, key, agreed fields${o.values ? ' with values' : ''}`,
          o.purpose,
        );
        const store = new AgreementStore(db, databaseLabel(url));
        const state = await store.state(letter.agreementId).catch(() => null);
        const config = loadConfig();
        // Through the registry client's fetch: on the secure profile the registry is HTTPS under the stack's CA, with credentials.
        const schemas = registrySchemas(config.registryUrl, { fetch: registryFetch(registryAccess(config)) });
        const content = await decodeDeadLetter(letter, { state, contracts: loadContracts(), schemas, values: o.values === true });
        const meta = (letter.headers['thahs.event'] as { decoded?: unknown } | undefined)?.decoded ?? null;
        const shown = {
          printed: o.values
            ? 'coordinates, reason, detail, meta, key, agreed fields with their values'
            : 'coordinates, reason, detail, meta, key, agreed fields (null or not) and the names of fields outside the agreement',
          id: letter.id,
          at: letter.at.toISOString(),
          receiver: letter.receiver,
          provider: letter.provider,
          agreementId: letter.agreementId,
          titleVi: state ? (agreementScope(state)?.titleVi ?? null) : null,
          group: letter.consumerGroup,
          reason: letter.reason,
          detail: letter.detail,
          source: { topic: letter.topic, partition: letter.partition, offset: letter.offset },
          entity: letter.entity,
          meta,
          headers: Object.keys(letter.headers),
          ...content,
        };
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      }),
    );

  filters(
    side(dlq.command('retry [ids...]').description('send dead letters through verification and apply again (after their cause is fixed); each outcome is recorded')),
    '--dead-letter-reason',
  )
    .option('--all-matching', 'retry every dead letter the filters match (without ids)')
    .option('--topic-prefix <prefix>', 'pipeline prefix of topics and groups', 'thahs')
    .option('--reason <text>', 'why (what was fixed), recorded')
    .option('--operator <name>', 'who retries, recorded (default: the login and host)')
    .action((ids: string[], o: FilterOptions & { reason?: string; deadLetterReason?: string; allMatching?: boolean; operator?: string; topicPrefix: string }) =>
      withDb(o, async (db, url) => {
        if (ids.length === 0 && !o.allMatching) throw new Error('name the dead letters to retry by id, or pass --all-matching with filters');
        if (ids.length === 0 && o.agreement === undefined) throw new Error('--all-matching needs --agreement');
        const filter = filterOf(o, o.deadLetterReason, ids);
        const { rows } = await listDeadLetters(db, { ...filter, limit: 100_000 });
        const store = new AgreementStore(db, databaseLabel(url));
        const contracts = loadContracts();
        const config = loadConfig();
        // Loaded here: the consumer's stages are not needed by list, show and discard, whose start-up they would slow.
        const { replayerFor } = await import('../../apply-consumer/replayerFor');
        const { createLogger } = await import('../../../libs/logger');
        const done: Awaited<ReturnType<typeof retryDeadLetters>> = [];
        // One replayer per agreement: each judges its dead letters under its own signed history.
        for (const agreementId of [...new Set(rows.map((r) => r.agreementId))]) {
          const state = await store.state(agreementId);
          if (!state) throw new Error(`no agreement ${agreementId} in the ${o.receiver} database: its dead letters cannot be judged`);
          const replayer = replayerFor(state, o.receiver, contracts, {
            pgUrl: url,
            topicPrefix: o.topicPrefix,
            log: createLogger('thahs-dlq', config.logLevel === 'info' ? 'warn' : config.logLevel),
          });
          await replayer.open();
          try {
            const mine = rows.filter((r) => r.agreementId === agreementId).map((r) => r.id);
            done.push(...(await retryDeadLetters(db, { ids: mine }, operatorName(o.operator), o.reason ?? null, replayer)));
          } finally {
            await replayer.close();
          }
        }
        const missing = ids.filter((id) => !done.some((d) => d.deadLetter.id === id));
        if (o.json) process.stdout.write(`${JSON.stringify({ retried: done, missing }, null, 2)}\n`);
        else {
          for (const d of done)
            process.stdout.write(
              `${d.deadLetter.id}: ${d.outcome}${d.reasonAgain ? ` (${d.reasonAgain}; the dead letter stays)` : ' (dead letter removed)'} → operator_action #${d.actionId}\n`,
            );
          process.stdout.write(
            `${done.length} dead letter(s) retried: ${done.filter((d) => d.outcome === 'applied').length} applied, ${done.filter((d) => d.outcome === 'stale').length} stale, ${done.filter((d) => d.outcome === 'withheld').length} withheld, ${done.filter((d) => d.outcome === 'dead-again').length} failed again\n`,
          );
          if (missing.length) process.stdout.write(`not found (already resolved, or not in this database): ${missing.join(', ')}\n`);
        }
        if (missing.length || done.some((d) => d.outcome === 'dead-again')) process.exitCode = 1;
      }),
    );

  filters(side(dlq.command('discard [ids...]').description('give up on dead letters: each is recorded (who, when, why) in the operator log and deleted')), '--dead-letter-reason')
    .requiredOption('--reason <text>', 'why they are discarded (recorded)')
    .option('--all-matching', 'discard every dead letter the filters match (without ids)')
    .option('--operator <name>', 'who discards, recorded (default: the login and host)')
    .action((ids: string[], o: FilterOptions & { reason: string; deadLetterReason?: string; allMatching?: boolean; operator?: string }) =>
      withDb(o, async (db) => {
        if (ids.length === 0 && !o.allMatching) throw new Error('name the dead letters to discard by id, or pass --all-matching with filters');
        if (ids.length === 0 && o.agreement === undefined) throw new Error('--all-matching needs --agreement');
        const done = await discardDeadLetters(db, filterOf(o, o.deadLetterReason, ids), operatorName(o.operator), o.reason);
        const missing = ids.filter((id) => !done.some((d) => d.deadLetter.id === id));
        if (o.json) process.stdout.write(`${JSON.stringify({ discarded: done, missing }, null, 2)}\n`);
        else {
          process.stdout.write(
            `${done.length} dead letter(s) discarded and recorded in partner_state.operator_action${done.length ? ` (${done.map((d) => `${d.deadLetter.id}→#${d.actionId}`).join(', ')})` : ''}\n`,
          );
          if (missing.length) process.stdout.write(`not found (already discarded, or not in this database): ${missing.join(', ')}\n`);
        }
        if (missing.length) process.exitCode = 1;
      }),
    );
}
