import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import {
  DEFAULT_EXCHANGE_TOPICS,
  exchangeTopicsWithPrefix,
  generatePartyKey,
  listPartySigningKeys,
  openMinistryExchange,
  PartyKeyRing,
  publishedContracts,
  type AgreementExchangeClient,
  type ExchangeTopics,
  type MinistryExchange,
  type StepResult,
} from '../../../libs/agreement-exchange';
import {
  AgreementValidationError,
  DISPATCH_CHANNELS,
  loadAgreementFile,
  parseInstantMs,
  pendingVersion,
  refusalNotices,
  statusAt,
  versionHistory,
  versionRecordInForce,
  type AgreementDocument,
  type AgreementEvent,
  type AgreementState,
  type DispatchChannel,
} from '../../../libs/agreements';
import { loadConfig } from '../../../libs/config';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import { createLogger } from '../../../libs/logger';
import { createAgreementSyncService, runAgreementSync } from '../../agreement-sync/main';

/**
 * `thahs agreement …`: the agreement lifecycle between the ministries (Art. 10–14). Every step is
 * taken as one body of one ministry (--ministry, --party), signed with that body's key, checked
 * against the history in that ministry's database, published on the agreements topic, and reported
 * once that ministry's agreement-sync service has stored it. Reports are human-readable with
 * Vietnamese labels; --json prints the data for scripts.
 *
 * The shared plumbing below (side options, output) is also used by report-error and usage-report.
 */

export interface SideOptions {
  ministry: string;
  party?: string;
  dbUrl?: string;
  topicPrefix?: string;
  keysDir?: string;
  json?: boolean;
  wait: boolean;
  timeout: string;
}

/** Options naming which ministry's database, which body, and which topics a command works with. */
export function addSideOptions(cmd: Command, acting: boolean): Command {
  cmd
    .requiredOption('--ministry <ministry>', acting ? 'the ministry acting: cand | qdnd' : 'whose database to read: cand | qdnd')
    .option('--db-url <url>', 'the ministry database (default: THAHS_<MINISTRY>_PG_URL)')
    .option('--topic-prefix <prefix>', `exchange topics <prefix>.agreements / <prefix>.requests (default: ${DEFAULT_EXCHANGE_TOPICS.agreements.split('.')[0]})`)
    .option('--keys-dir <dir>', 'keys folder (default: THAHS_KEYS_DIR)')
    .option('--json', 'print JSON for scripts');
  if (acting) {
    cmd
      .option('--party <id>', 'the body acting, e.g. cand.c10 (default: the only body of the ministry with a key)')
      .option('--no-wait', 'return once Kafka acknowledged the step, without waiting for the sync service')
      .option('--timeout <seconds>', 'how long to wait for the database to catch up and to record the step', '30');
  } else {
    cmd.option('--timeout <seconds>', 'how long to wait', '30');
  }
  return cmd;
}

export function ministryOf(value: string): Ministry {
  if (value !== 'cand' && value !== 'qdnd') throw new Error(`--ministry must be cand or qdnd, got "${value}"`);
  return value;
}

function topicsOf(o: { topicPrefix?: string }): ExchangeTopics {
  return o.topicPrefix ? exchangeTopicsWithPrefix(o.topicPrefix) : DEFAULT_EXCHANGE_TOPICS;
}

/** Opens the ministry's side, runs `work`, prints the result; errors become a JSON object under --json. */
export async function onSide(o: SideOptions, work: (x: MinistryExchange) => Promise<Printable>): Promise<void> {
  const config = loadConfig();
  const ministry = ministryOf(o.ministry);
  const timeout = Number(o.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`--timeout must be a positive number of seconds, got "${o.timeout}"`);
  const x = openMinistryExchange({
    ministry,
    party: o.party,
    pgUrl: o.dbUrl ?? (ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl),
    kafkaBrokers: config.kafkaBrokers,
    topics: topicsOf(o),
    keysDir: o.keysDir ?? config.keysDir,
    contracts: publishedContracts(),
    waitMs: timeout * 1000,
    waitForSync: o.wait !== false,
    log: createLogger(`cli-agreement-${ministry}`, 'warn'),
  });
  try {
    await x.store.assertSchema();
    print(o, await work(x));
  } catch (err) {
    if (!o.json) throw err;
    const e = err as Error & Record<string, unknown>;
    process.stdout.write(`${JSON.stringify({ ok: false, error: { name: e.name, message: e.message, ...(typeof e.code === 'string' ? { code: e.code } : {}) } }, null, 2)}\n`);
    process.exitCode = 1;
  } finally {
    await x.close();
  }
}

/** What a command prints: the data (for --json) and its human-readable form. */
export interface Printable {
  data: unknown;
  text: string;
}

export function print(o: { json?: boolean }, p: Printable): void {
  process.stdout.write(o.json ? `${JSON.stringify(p.data, null, 2)}\n` : p.text.endsWith('\n') ? p.text : `${p.text}\n`);
}

/** Columns padded to their widest cell. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function labelled(pairs: readonly (readonly [string, string])[]): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

export function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/** One line saying what became of a step. */
export function stepLine(subject: string, r: StepResult<{ kind: string; actor: string }>, ministry: string, version?: number): string {
  const where = `${r.source.topic}[${r.source.partition}]@${r.source.offset}`;
  const what = `${r.event.kind}${version === undefined ? '' : ` v${version}`} by ${r.event.actor}`;
  return r.outcome === 'stored'
    ? `${subject}: ${what} — stored in the ${ministry} database (${short(r.eventHash)}, ${where})`
    : `${subject}: ${what} — published (${short(r.eventHash)}, ${where}); not waited for the ${ministry} sync service`;
}

function stepOutput(o: SideOptions, r: StepResult<AgreementEvent>): Printable {
  return {
    data: { ok: true, outcome: r.outcome, eventHash: r.eventHash, source: r.source, event: r.event },
    text: stepLine(`agreement ${r.event.agreementId}`, r, o.ministry, r.event.version),
  };
}

/** An instant from the command line: ISO 8601 with an offset, or microseconds since the epoch (a CDC commit time). */
function instantMs(text: string | undefined): number {
  if (text === undefined) return Date.now();
  if (/^-?\d+$/.test(text)) return Number(BigInt(text) / 1000n);
  const p = parseInstantMs(text);
  if (!p.ok) throw new Error(`--at: ${p.reason}`);
  return p.value;
}

function stateReport(state: AgreementState, atMs: number): Printable {
  const inForce = versionRecordInForce(state, atMs);
  const latest = state.versions[state.versions.length - 1];
  const history = versionHistory(state);
  const lines = [
    labelled([
      ['Thỏa thuận (agreement)', state.agreementId],
      ['Tiêu đề (title)', latest.document.titleVi ?? ''],
      ['Bên cung cấp (provider)', state.provider],
      ['Bên khai thác (consumers)', latest.document.parties.consumers.map((c) => c.id).join(', ')],
      ['Trạng thái (status)', `${statusAt(state, atMs)} at ${new Date(atMs).toISOString()}`],
      ['Phiên bản hiệu lực (version in force)', inForce ? `${inForce.version} (${short(inForce.documentHash)})` : 'không có (none)'],
      ['Phiên bản chờ (pending version)', pendingVersion(state) ? `${pendingVersion(state)!.version} (${pendingVersion(state)!.status})` : '—'],
      ['Sự kiện (events)', `${state.events.length}, last ${short(state.lastEventHash)} at ${state.lastEventAt}`],
    ]),
    '',
    'Các phiên bản (versions):',
    table(
      ['v', 'nguồn (origin)', 'trạng thái (status)', 'công văn (dispatch)', 'hiệu lực (period)', 'đã ký (signed by)', 'xác nhận (confirmed)'],
      history.map((v) => [
        String(v.version),
        v.origin,
        v.status,
        `${v.dispatchNumber} ${v.dispatchDate}`,
        `${v.validFrom} → ${v.validTo}`,
        v.signedBy.join(', ') || '—',
        v.confirmedAt ?? '—',
      ]),
    ),
  ];
  if (state.suspensions.length) {
    lines.push(
      '',
      'Tạm dừng (suspensions):',
      table(
        ['từ (from)', 'đến (to)', 'bởi (by)', 'lý do (reason)'],
        state.suspensions.map((s) => [s.from, s.to ?? '—', s.by, s.reason]),
      ),
    );
  }
  const refusals = refusalNotices(state);
  if (refusals.length) {
    lines.push(
      '',
      'Từ chối (refusals):',
      table(
        ['v', 'loại (kind)', 'gửi (to)', 'bởi (by)', 'lúc (at)', 'lý do (reason)'],
        refusals.map((r) => [String(r.version), r.kind, r.to, r.by, r.at, r.reason]),
      ),
    );
  }
  if (state.termination) lines.push('', `Chấm dứt (terminated): ${state.termination.at} by ${state.termination.by}: ${state.termination.reason}`);
  return { data: { state, statusNow: statusAt(state, atMs), versionInForce: inForce?.version ?? null }, text: lines.join('\n') };
}

function loadDocument(file: string): Promise<AgreementDocument> {
  const contracts = publishedContracts();
  return loadAgreementFile(path.resolve(file), { contracts });
}

function reasonOption(cmd: Command): Command {
  return cmd.requiredOption('--reason <text>', 'the reason, recorded and delivered to the other parties');
}

export function register(program: Command): void {
  const agreement = program.command('agreement').description('data-sharing agreements between cand and qdnd: lifecycle steps, history, keys, sync service');

  agreement
    .command('validate <file>')
    .description('check an agreement file (YAML/JSON) against the format and the published contracts; nothing is published')
    .option('--json', 'print JSON for scripts')
    .action(async (file: string, o: { json?: boolean }) => {
      try {
        const doc = await loadDocument(file);
        print(o, {
          data: { ok: true, agreementId: doc.id, version: doc.version, provider: doc.parties.provider.id, consumers: doc.parties.consumers.map((c) => c.id) },
          text: `${file}: valid — agreement ${doc.id} version ${doc.version}, provider ${doc.parties.provider.id}, consumers ${doc.parties.consumers.map((c) => c.id).join(', ')}, entities ${doc.data.entities.map((e) => e.entity).join(', ')}`,
        });
      } catch (err) {
        if (!(err instanceof AgreementValidationError) || !o.json) throw err;
        print(o, { data: { ok: false, issues: err.issues }, text: err.message });
        process.exitCode = 1;
      }
    });

  const step = (
    name: string,
    description: string,
    run: (c: AgreementExchangeClient, id: string, o: SideOptions & { reason?: string }) => Promise<StepResult<AgreementEvent>>,
    needsReason = false,
  ): void => {
    const cmd = addSideOptions(agreement.command(`${name} <agreementId>`).description(description), true);
    if (needsReason) reasonOption(cmd);
    cmd.action((id: string, o: SideOptions & { reason?: string }) => onSide(o, async (x) => stepOutput(o, await run(x.client(), id, o))));
  };

  addSideOptions(agreement.command('draft <file>').description('draft a new agreement (version 1), or replace the text of the draft in progress'), true).action(
    (file: string, o: SideOptions) => onSide(o, async (x) => stepOutput(o, await x.client().draft(await loadDocument(file)))),
  );
  addSideOptions(agreement.command('amend <file>').description('Art. 13: draft the next version of an agreement that has a confirmed one'), true).action(
    (file: string, o: SideOptions) => onSide(o, async (x) => stepOutput(o, await x.client().amend(await loadDocument(file)))),
  );
  step('propose', 'submit the pending draft for confirmation; the proposer signs it', (c, id) => c.propose(id));
  step('confirm', "sign the proposed version (or, as provider, confirm a body's request to join)", (c, id) => c.confirm(id));
  step('refuse', 'Art. 14.1(a): refuse the proposed version (or, as provider, a request to join), with the reason', (c, id, o) => c.refuse(id, o.reason!), true);
  step('withdraw', 'withdraw the pending draft, proposal or request to join', (c, id, o) => c.withdraw(id, o.reason!), true);
  step('suspend', 'suspend the agreement in force', (c, id, o) => c.suspend(id, o.reason!), true);
  step('resume', 'resume a suspended agreement', (c, id, o) => c.resume(id, o.reason!), true);
  step('terminate', 'terminate the agreement', (c, id, o) => c.terminate(id, o.reason!), true);

  addSideOptions(
    agreement
      .command('join <agreementId>')
      .description('Art. 10.4: ask, as a body not yet party, to join the agreement in force (the provider confirms or refuses)')
      .requiredOption('--name-vi <name>', 'Vietnamese name of the joining body')
      .option('--name-en <name>', 'English name of the joining body')
      .requiredOption('--dispatch-number <no>', 'số công văn recording the request')
      .requiredOption('--dispatch-date <YYYY-MM-DD>', 'date of the dispatch')
      .option('--dispatch-channel <channel>', `${DISPATCH_CHANNELS.join(' | ')}`, 'official_letter'),
    true,
  ).action((id: string, o: SideOptions & { nameVi: string; nameEn?: string; dispatchNumber: string; dispatchDate: string; dispatchChannel: string }) =>
    onSide(o, async (x) => {
      if (!(DISPATCH_CHANNELS as readonly string[]).includes(o.dispatchChannel)) throw new Error(`--dispatch-channel must be one of ${DISPATCH_CHANNELS.join(', ')}`);
      const r = await x.client().join(id, {
        nameVi: o.nameVi,
        nameEn: o.nameEn,
        dispatch: { number: o.dispatchNumber, date: o.dispatchDate, channel: o.dispatchChannel as DispatchChannel },
      });
      return stepOutput(o, r);
    }),
  );

  addSideOptions(
    agreement
      .command('show <agreementId>')
      .description("an agreement as the ministry's database holds it: status, versions, suspensions, refusals")
      .option('--at <instant>', 'status at this instant (ISO 8601 with offset, or µs since the epoch); default now')
      .option('--document <version>', 'print the document of this version (YAML) instead'),
    false,
  ).action((id: string, o: SideOptions & { at?: string; document?: string }) =>
    onSide(o, async (x) => {
      const state = await x.store.requireState(id);
      if (o.document !== undefined) {
        const v = state.versions.find((r) => String(r.version) === o.document);
        if (!v) throw new Error(`agreement ${id} has no version ${o.document} (versions: ${state.versions.map((r) => r.version).join(', ')})`);
        return { data: v.document, text: toYaml(v.document) };
      }
      return stateReport(state, instantMs(o.at));
    }),
  );

  addSideOptions(agreement.command('list').description("the agreements in the ministry's database"), false).action((o: SideOptions) =>
    onSide(o, async (x) => {
      const now = Date.now();
      const rows = [];
      for (const s of await x.store.list()) {
        const state = await x.store.requireState(s.agreementId);
        rows.push({ ...s, statusNow: statusAt(state, now), versionInForce: versionRecordInForce(state, now)?.version ?? null });
      }
      return {
        data: rows,
        text: rows.length
          ? table(
              [
                'thỏa thuận (agreement)',
                'bên cung cấp (provider)',
                'các bên (parties)',
                'trạng thái (status)',
                'hiệu lực (in force)',
                'mới nhất (latest)',
                'sự kiện cuối (last event)',
              ],
              rows.map((r) => [
                r.agreementId,
                r.provider,
                r.parties.filter((p) => p !== r.provider).join(', '),
                r.statusNow,
                r.versionInForce === null ? '—' : `v${r.versionInForce}`,
                `v${r.latestVersion} ${r.latestVersionStatus}`,
                r.lastEventAt.toISOString(),
              ]),
            )
          : 'no agreements',
      };
    }),
  );

  addSideOptions(agreement.command('history <agreementId>').description('every signed step of an agreement, in order, each verified'), false).action((id: string, o: SideOptions) =>
    onSide(o, async (x) => {
      // Replaying verifies every signature and the chain; it throws HistoryCorruptError otherwise.
      const state = await x.store.requireState(id);
      const events = await x.store.history(id);
      return {
        data: { agreementId: id, verified: state.events.length === events.length, events },
        text: [
          table(
            ['#', 'lúc (at)', 'bước (step)', 'v', 'bên (actor)', 'khóa (key)', 'băm (hash)', 'vị trí (topic offset)'],
            events.map((e) => [
              String(e.seq),
              e.event.at,
              e.event.kind,
              String(e.event.version),
              e.event.actor,
              e.event.keyId,
              short(e.eventHash),
              `${e.source.partition}@${e.source.offset}`,
            ]),
          ),
          `Chữ ký và chuỗi (signatures and chain): ${events.length}/${events.length} verified with the keys recorded in the database`,
        ].join('\n'),
      };
    }),
  );

  addSideOptions(
    agreement
      .command('in-force <agreementId>')
      .description('which version governs an event committed at a given time (default deny: none outside it)')
      .requiredOption('--at <instant>', 'commit time: ISO 8601 with offset, or µs since the epoch'),
    false,
  ).action((id: string, o: SideOptions & { at: string }) =>
    onSide(o, async (x) => {
      const state = await x.store.requireState(id);
      const at = instantMs(o.at);
      const v = versionRecordInForce(state, at);
      const when = new Date(at).toISOString();
      return {
        data: { agreementId: id, at: when, version: v?.version ?? null, documentHash: v?.documentHash ?? null, status: statusAt(state, at) },
        text: v
          ? `${id} at ${when}: version ${v.version} governs (${short(v.documentHash)}, confirmed ${v.confirmedAt})`
          : `${id} at ${when}: no version governs (${statusAt(state, at)}); an event committed then must not be exchanged`,
      };
    }),
  );

  addSideOptions(
    agreement
      .command('rejected')
      .description('steps and requests the sync service refused (forged, out of chain, not allowed), with the reason')
      .option('--agreement <id>', 'only this agreement'),
    false,
  ).action((o: SideOptions & { agreement?: string }) =>
    onSide(o, async (x) => {
      const rows = (await x.store.rejected()).filter((r) => o.agreement === undefined || r.agreementId === o.agreement);
      return {
        data: rows,
        text: rows.length
          ? table(
              ['lúc (at)', 'luồng (stream)', 'đối tượng (subject)', 'bước (kind)', 'bên (actor)', 'mã (code)', 'lý do (reason)'],
              rows.map((r) => [r.rejectedAt.toISOString(), r.stream, r.subjectId ?? '?', r.kind ?? '?', r.actor ?? '?', r.code, r.reason]),
            )
          : 'nothing rejected',
      };
    }),
  );

  const keys = agreement.command('keys').description('signing keys of the bodies that take agreement steps (party keys)');
  keys
    .command('generate')
    .description('create a key pair for a body; list its key id in the agreement (security.keys) and give the public file to the partner ministry')
    .requiredOption('--party <id>', 'the body, e.g. cand.c10')
    .option('--dir <dir>', 'keys folder (default: THAHS_KEYS_DIR)')
    .action((o: { party: string; dir?: string }) => {
      const r = generatePartyKey(o.dir ?? loadConfig().keysDir, o.party);
      process.stdout.write(`key id:      ${r.keyId}\nprivate key: ${r.privateFile} (keep secret)\npublic key:  ${r.publicFile}\n`);
    });
  keys
    .command('list')
    .description('the bodies this ministry can act for, and the party public keys it trusts')
    .option('--dir <dir>', 'keys folder (default: THAHS_KEYS_DIR)')
    .option('--json', 'print JSON for scripts')
    .action((o: { dir?: string; json?: boolean }) => {
      const dir = o.dir ?? loadConfig().keysDir;
      const own = listPartySigningKeys(dir).map((k) => ({ party: k.party, keyId: k.keyId }));
      const trusted = fs.existsSync(dir)
        ? PartyKeyRing.fromDir(dir)
            .entries()
            .map((k) => ({ party: k.party, keyId: k.keyId }))
        : [];
      print(o, {
        data: { own, trusted },
        text: [
          'Khóa riêng (private keys, can sign):',
          own.length
            ? table(
                ['party', 'key id'],
                own.map((k) => [k.party, k.keyId]),
              )
            : '  none',
          '',
          'Khóa công khai tin cậy (trusted public keys):',
          trusted.length
            ? table(
                ['party', 'key id'],
                trusted.map((k) => [k.party, k.keyId]),
              )
            : '  none',
        ].join('\n'),
      });
    });

  agreement
    .command('sync')
    .description("run a ministry's agreement-sync service: store the verified history in its database (until SIGINT/SIGTERM)")
    .requiredOption('--ministry <ministry>', 'cand | qdnd')
    .option('--db-url <url>', 'the ministry database (default: THAHS_<MINISTRY>_PG_URL)')
    .option('--topic-prefix <prefix>', 'exchange topics <prefix>.agreements / <prefix>.requests (default: thahs)')
    .option('--keys-dir <dir>', 'keys folder (default: THAHS_KEYS_DIR)')
    .option('--group <id>', 'consumer group prefix (default: thahs-agreement-sync-<ministry>)')
    .action((o: { ministry: string; dbUrl?: string; topicPrefix?: string; keysDir?: string; group?: string }) => {
      const ministry = ministryOf(o.ministry);
      const config = loadConfig();
      const service = createAgreementSyncService(config, ministry, createLogger(`agreement-sync-${ministry}`, config.logLevel), {
        pgUrl: o.dbUrl,
        topics: topicsOf(o),
        groupId: o.group,
        keysDir: o.keysDir,
      });
      return runAgreementSync(service);
    });
}
