import { Command } from 'commander';
import {
  requestEventHash,
  type RequestEvent,
  type RequestPayloads,
  type RequestState,
  type RequestStatus,
  type RequestSummary,
  type RequestType,
  type StepResult,
} from '../../../libs/agreement-exchange';
import { addSideOptions, labelled, onSide, short, stepLine, table, type Printable, type SideOptions } from './agreement';

/**
 * `thahs report-error`: Art. 15.2(c) — a consumer tells the provider that a received record is wrong
 * (record key, field, description); the provider acknowledges and resolves it, or refuses it with a
 * reason (Art. 14.1(a)). Each step is a signed event on the requests topic; both ministries'
 * databases track its status.
 */

const STATUS_VI: Record<RequestStatus, string> = {
  reported: 'đã báo (reported)',
  acknowledged: 'đã tiếp nhận (acknowledged)',
  resolved: 'đã xử lý (resolved)',
  requested: 'đã yêu cầu (requested)',
  answered: 'đã trả lời (answered)',
  refused: 'từ chối (refused)',
};

export function requestStepOutput(o: SideOptions, r: StepResult<RequestEvent>): Printable {
  return {
    data: { ok: true, outcome: r.outcome, requestId: r.event.requestId, eventHash: r.eventHash, source: r.source, event: r.event },
    text: stepLine(`request ${r.event.requestId}`, r, o.ministry),
  };
}

/** A request as one ministry's database holds it, with Vietnamese labels. */
export function requestReport(s: RequestState): Printable {
  const subject =
    s.type === 'data_error'
      ? (() => {
          const p = s.subject as RequestPayloads['error_report'];
          return [
            ['Thực thể (entity)', p.entity],
            ['Khóa bản ghi (record key)', p.recordKey],
            ['Trường (field)', p.field],
            ['Mô tả (description)', p.description],
          ] as const;
        })()
      : (() => {
          const p = s.subject as RequestPayloads['usage_request'];
          return [
            ['Bên được yêu cầu (consumer)', p.consumer],
            ['Kỳ báo cáo (period)', `${p.periodFrom} → ${p.periodTo}`],
            ['Lý do (reason)', p.reason],
          ] as const;
        })();
  const pairs: [string, string][] = [
    ['Yêu cầu (request)', s.requestId],
    ['Loại (type)', s.type === 'data_error' ? 'báo lỗi dữ liệu (data-error report)' : 'yêu cầu báo cáo sử dụng (usage-report request)'],
    ['Thỏa thuận (agreement)', s.agreementId],
    ['Bên gửi (requester)', s.requester],
    ['Bên nhận (recipient)', s.recipient],
    ['Trạng thái (status)', STATUS_VI[s.status]],
    ['Mở lúc (opened)', s.openedAt],
    ...subject.map(([k, v]) => [k, v] as [string, string]),
  ];
  if (s.acknowledgement)
    pairs.push(['Tiếp nhận (acknowledged)', `${s.acknowledgement.at} by ${s.acknowledgement.by}${s.acknowledgement.note ? `: ${s.acknowledgement.note}` : ''}`]);
  if (s.resolution) pairs.push(['Xử lý (resolved)', `${s.resolution.at} by ${s.resolution.by}: ${s.resolution.resolution}`]);
  if (s.refusal) pairs.push(['Từ chối (refused)', `${s.refusal.at} by ${s.refusal.by}: ${s.refusal.reason}`]);
  const lines = [labelled(pairs)];
  if (s.answer) {
    const r = s.answer.report;
    lines.push(
      '',
      `Báo cáo sử dụng (usage report) from ${s.answer.by} at ${s.answer.at}:`,
      labelled([
        ['Nhật ký khai thác (access log)', r.accessLog.available ? `${r.accessLog.source}: ${r.accessLog.total} accesses` : `không có (unavailable): ${r.accessLog.note}`],
        ...(r.accessLog.available && r.accessLog.note ? [['Ghi chú (note)', r.accessLog.note] as [string, string]] : []),
        ...r.accessLog.byPurpose.map((c) => [`  mục đích (purpose) ${c.name}`, String(c.count)] as [string, string]),
        ...r.accessLog.byEntity.map((c) => [`  thực thể (entity) ${c.name}`, String(c.count)] as [string, string]),
        ['Kho dữ liệu nhận (partner store)', r.partnerStore.store],
        ...r.partnerStore.entities.map((e) => [`  ${e.entity}`, e.rows === null ? e.note : `${e.rows} rows`] as [string, string]),
      ]),
    );
  }
  lines.push(
    '',
    table(
      ['bước (step)', 'bên (actor)', 'lúc (at)', 'băm (hash)'],
      s.events.map((e) => [e.kind, e.actor, e.at, short(requestEventHash(e))]),
    ),
  );
  return { data: s, text: lines.join('\n') };
}

export function requestList(rows: RequestSummary[]): Printable {
  return {
    data: rows,
    text: rows.length
      ? table(
          ['yêu cầu (request)', 'loại (type)', 'thỏa thuận (agreement)', 'bên gửi (from)', 'bên nhận (to)', 'trạng thái (status)', 'cập nhật (last event)'],
          rows.map((r) => [r.requestId, r.type, r.agreementId, r.requester, r.recipient, r.status, r.lastEventAt.toISOString()]),
        )
      : 'no requests',
  };
}

/** show <requestId> and list, shared by report-error and usage-report. */
export function registerRequestQueries(parent: Command, type: RequestType): void {
  addSideOptions(parent.command('show <requestId>').description('a request with its status and every step, as the ministry database holds it'), false).action(
    (id: string, o: SideOptions) =>
      onSide(o, async (x) => {
        const s = await x.store.request(id);
        if (!s || s.type !== type) throw new Error(`no ${type === 'data_error' ? 'data-error report' : 'usage-report request'} ${id} in ${x.store.database}`);
        return requestReport(s);
      }),
  );
  addSideOptions(
    parent
      .command('list')
      .description('requests of this kind in the ministry database')
      .option('--agreement <id>', 'only this agreement')
      .option('--status <status>', 'only this status')
      .option('--for-party <id>', 'only requests this body opened or must answer'),
    false,
  ).action((o: SideOptions & { agreement?: string; status?: RequestStatus; forParty?: string }) =>
    onSide(o, async (x) => requestList(await x.store.requests({ type, agreementId: o.agreement, status: o.status, party: o.forParty }))),
  );
}

export function register(program: Command): void {
  const cmd = program.command('report-error').description('Art. 15.2(c): report an error in received data to the provider, and track it (acknowledge, resolve, refuse)');

  addSideOptions(
    cmd
      .command('file', { isDefault: true })
      .description('report an error (the default: `thahs report-error --ministry qdnd --agreement … --entity … --record-key … --field … --description …`)')
      .requiredOption('--agreement <id>', 'the agreement the data was received under')
      .requiredOption('--entity <name>', 'entity of the wrong record, e.g. person')
      .requiredOption('--record-key <uuid>', 'id of the wrong record')
      .requiredOption('--field <name>', 'the wrong field')
      .requiredOption('--description <text>', 'what is wrong'),
    true,
  ).action((o: SideOptions & { agreement: string; entity: string; recordKey: string; field: string; description: string }) =>
    onSide(o, async (x) =>
      requestStepOutput(
        o,
        await x.client().reportError({ agreementId: o.agreement, entity: o.entity, recordKey: o.recordKey.toLowerCase(), field: o.field, description: o.description }),
      ),
    ),
  );

  addSideOptions(cmd.command('acknowledge <requestId>').description('(provider) acknowledge a report').option('--note <text>', 'what happens next', ''), true).action(
    (id: string, o: SideOptions & { note: string }) => onSide(o, async (x) => requestStepOutput(o, await x.client().acknowledgeError(id, o.note))),
  );
  addSideOptions(
    cmd.command('resolve <requestId>').description('(provider) record how the error was resolved').requiredOption('--resolution <text>', 'what was corrected'),
    true,
  ).action((id: string, o: SideOptions & { resolution: string }) => onSide(o, async (x) => requestStepOutput(o, await x.client().resolveError(id, o.resolution))));
  addSideOptions(
    cmd.command('refuse <requestId>').description('(provider) Art. 14.1(a): refuse the report; the reason reaches the requester').requiredOption('--reason <text>', 'why'),
    true,
  ).action((id: string, o: SideOptions & { reason: string }) => onSide(o, async (x) => requestStepOutput(o, await x.client().refuseRequest(id, o.reason))));
  registerRequestQueries(cmd, 'data_error');
}
