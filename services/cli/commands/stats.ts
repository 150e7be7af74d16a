import { Command, InvalidArgumentError } from 'commander';
import { Pool } from 'pg';
import { AgreementStore, databaseLabel } from '../../../libs/agreement-exchange';
import { loadConfig } from '../../../libs/config';
import { loadContracts } from '../../../libs/contracts/contractLoader';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import { exchangeStats, httpMainJob, openAdmin, operatorName, parseInstant, type ExchangeStats, type StatsGrouping, type StatsRow } from '../../../libs/ops';

function ministryArg(v: string): Ministry {
  if (v !== 'cand' && v !== 'qdnd') throw new InvalidArgumentError('expected cand or qdnd');
  return v;
}

function byArg(v: string): StatsGrouping {
  if (v !== 'entity' && v !== 'agreement' && v !== 'unit') throw new InvalidArgumentError('expected entity, agreement or unit');
  return v;
}

interface StatsCliOptions {
  ministry: Ministry;
  from: string;
  to: string;
  by: StatsGrouping;
  agreement?: string;
  dbUrl?: string;
  topicPrefix: string;
  metricsPort?: string;
  purpose?: string;
  operator?: string;
  json?: boolean;
}

const sec = (v: number | null): string => (v === null ? '—' : v.toFixed(2));

function keyCells(r: StatsRow, by: StatsGrouping): string[] {
  if (by === 'agreement') return [r.agreementId ?? ''];
  if (by === 'entity') return [r.entity ?? ''];
  return [r.agreementId ?? '', r.entity ?? '', r.unitId ?? '(không rõ / unknown)', r.unitName ?? ''];
}

function statsText(s: ExchangeStats): string {
  const head =
    s.by === 'agreement'
      ? ['THỎA THUẬN (AGREEMENT)']
      : s.by === 'entity'
        ? ['THỰC THỂ (ENTITY)']
        : ['THỎA THUẬN (AGREEMENT)', 'THỰC THỂ (ENTITY)', 'ĐƠN VỊ BÁO CÁO (REPORTING UNIT)', 'TÊN (NAME)'];
  const cols = [
    ...head,
    'ĐÃ PHÁT (PUBLISHED)',
    ...(s.by === 'unit' ? ['BẢN GHI ĐỔI (CHANGED ROWS)'] : []),
    'ĐÃ ÁP DỤNG (APPLIED)',
    'XÓA THEO THỎA THUẬN (PURGED)',
    'SỰ KIỆN LỖI (DEAD-LETTERED)',
    'ĐÃ BỎ (DISCARDED)',
    'BÁO LỖI GỬI/NHẬN (ERROR REPORTS FILED/RECEIVED)',
    'ĐỘ TRỄ P50/P95/MAX s (LAG)',
  ];
  const rows = s.rows.map((r) => [
    ...keyCells(r, s.by),
    r.published === null ? '—' : String(r.published),
    ...(s.by === 'unit' ? [r.changedRows === undefined ? '—' : String(r.changedRows)] : []),
    String(r.applied),
    String(r.purged),
    String(r.deadLettered),
    String(r.discarded),
    `${r.errorReportsFiled}/${r.errorReportsReceived}`,
    `${sec(r.latencyP50)}/${sec(r.latencyP95)}/${sec(r.latencyMax)}`,
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [
    `Thống kê trao đổi (exchange statistics, Art. 16–18) — ${s.ministry} — ${s.from} → ${s.to} — by ${s.by}`,
    line(cols),
    ...(rows.length ? rows.map(line) : ['(không có số liệu trong kỳ / nothing in the period)']),
    '',
    `Bị giữ lại (withheld): ${s.withheld.available ? s.withheld.rows.map((w) => `${w.agreementId}/${w.entity} ${w.count}`).join(', ') || '0' : 'không có (unavailable)'} — ${s.withheld.note}`,
    ...s.notes.map((n) => `Ghi chú (note): ${n}`),
    '',
    'Nguồn số liệu (sources):',
    ...Object.entries(s.sources).map(([k, v]) => `  ${k}: ${v}`),
  ];
  return out.join('\n');
}

/**
 * `thahs stats`: the periodic exchange statistics (Art. 16–17) of one ministry over a period, by entity,
 * agreement or reporting unit (Art. 18), each figure with its source. Kafka and the main job are
 * optional: without them the published and withheld figures are missing, and the output says so.
 */
export function register(program: Command): void {
  program
    .command('stats')
    .description('exchange statistics of a ministry over a period (Art. 16–18): published, applied, dead-lettered, discarded, error reports, lag')
    .requiredOption('--ministry <ministry>', 'whose statistics (as provider and as receiver): cand | qdnd', ministryArg)
    .requiredOption('--from <instant>', 'start of the period (ISO 8601 with offset, YYYY-MM-DD in UTC+7, 7d, …)')
    .option('--to <instant>', 'end of the period (excluded)', 'now')
    .option('--by <grouping>', 'entity | agreement | unit', byArg, 'entity')
    .option('--agreement <id>', 'only this agreement')
    .option('--db-url <url>', "the ministry's database (default: THAHS_<MINISTRY>_PG_URL)")
    .option('--topic-prefix <prefix>', 'pipeline prefix of the topics', 'thahs')
    .option('--metrics-port <port>', 'port of the main job /metrics, for withheld counts (default: THAHS_METRICS_PORT)')
    .option('--purpose <code>', 'purpose recorded in the access log for --by unit, which reads partner tables (default STATISTICS when the agreement declares it)')
    .option('--operator <name>', 'who, recorded in the access log for --by unit (default: the login and host)')
    .option('--json', 'print JSON for scripts')
    .action(async (o: StatsCliOptions) => {
      const config = loadConfig();
      const from = parseInstant('--from', o.from);
      const to = parseInstant('--to', o.to);
      if (to <= from) throw new Error(`--to (${to.toISOString()}) must be after --from (${from.toISOString()})`);
      const url = o.dbUrl ?? (o.ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl);
      const pool = new Pool({ connectionString: url, max: 2, application_name: 'thahs-stats' });
      const kafka = await openAdmin(config.kafkaBrokers, 'thahs-stats', { quick: true }).catch(() => null);
      try {
        const port = o.metricsPort === undefined ? config.metricsPort : Number(o.metricsPort);
        const s = await exchangeStats({
          ministry: o.ministry,
          db: pool,
          store: new AgreementStore(pool, databaseLabel(url)),
          contracts: loadContracts(),
          topicPrefix: o.topicPrefix,
          from,
          to,
          by: o.by,
          agreementId: o.agreement,
          admin: kafka?.admin,
          mainJob: await httpMainJob(port).read(),
          who: operatorName(o.operator),
          purpose: o.purpose,
        });
        process.stdout.write(`${o.json ? JSON.stringify(s, null, 2) : statsText(s)}\n`);
      } finally {
        await kafka?.close();
        await pool.end();
      }
    });
}
