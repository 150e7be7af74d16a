import { METHOD_VI, VI } from './reportLabels';
import type { ReportModel, UnitTable } from './reportModel';
import { dailyChart, escapeXml as esc, formatNumber, horizontalBars, stackedShares, type Series } from './svgCharts';

/**
 * The evaluation report as one standalone HTML file: inline CSS and SVG, no script, no font or image to
 * fetch, Vietnamese labels, a print stylesheet for A4 (PDF). It shows counts, shares, timings and field
 * names; never a row value, and no key either: a report printed on paper leaves the building, the keys
 * stay in the receiver's database (`thahs reconcile-report --format json`).
 */
const COLORS = {
  matched: '#2e7d32',
  missing: '#ef6c00',
  extra: '#6a1b9a',
  different: '#c62828',
  p50: '#1565c0',
  p95: '#ad1457',
  applied: '#78909c',
  declared: '#1565c0',
  undeclared: '#c62828',
};
const MAX_UNIT_ROWS = 15;
const MAX_READER_ROWS = 40;

/** An instant in Vietnam's time (UTC+7), as officials read it: dd/mm/yyyy hh:mm:ss. */
export function vnTime(iso: string | null): string {
  if (iso === null) return '–';
  const d = new Date(Date.parse(iso) + 7 * 3_600_000).toISOString();
  return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)} ${d.slice(11, 19)}`;
}

function vnDay(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}`;
}

const n = (v: number): string => formatNumber(v);
/** An identifier in code type, breakable after its dots and underscores only (a narrow column wraps it there). */
const code = (s: string): string => `<code>${esc(s).replace(/([._])/g, '$1<wbr>')}</code>`;
const pct = (v: number): string => `${formatNumber(v * 100, v === 1 || v === 0 ? 0 : 4)} %`;
const secs = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : formatNumber(v, v < 10 ? 2 : 1));

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${esc(caption)}</figcaption></figure>`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = [], cls = ''): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function meta(m: ReportModel): string {
  const r = m.run;
  const rows: [string, string][] = [
    [VI.agreement, `<strong>${esc(r.agreementId)}</strong> — ${esc(m.agreement.titleVi)}`],
    [VI.version, String(r.agreementVersion)],
    [VI.documentHash, `<code class="hash">${esc(r.documentHash)}</code>`],
    [VI.provider, esc(m.agreement.providerNameVi)],
    [VI.receiver, esc(m.agreement.receiverNamesVi.join('; '))],
    [VI.partnerStore, `${code(r.partnerSchema)} (${esc(r.receiver)})`],
    [VI.run, `${esc(r.id)} — ${esc(VI.modes[r.mode] ?? r.mode)}`],
    [VI.status, `<span class="status ${esc(r.status)}">${esc(VI.statuses[r.status] ?? r.status)}</span>${r.error ? ` — ${esc(r.error)}` : ''}`],
    [VI.startedBy, esc(r.startedBy)],
    [VI.startedAt, `${vnTime(r.startedAt)} (UTC+7)`],
    [VI.finishedAt, `${vnTime(r.finishedAt)} (UTC+7)`],
    [VI.duration, `${secs(m.durationSeconds)} ${VI.seconds_}`],
    [VI.sourceLsn, `<code>${esc(r.sourceLsn ?? '–')}</code>`],
    [VI.period, `${vnTime(m.statistics.period.from)} – ${vnTime(m.statistics.period.to)} (UTC+7)`],
    [VI.generatedAt, `${vnTime(m.generatedAt)} (UTC+7)`],
  ];
  return `<table class="meta"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

function summary(m: ReportModel): string {
  const e = m.entities;
  const rows = e.map((x) => [
    `${esc(x.label)}<br>${code(x.entity)}${x.mode !== m.run.mode ? `<br><small>${esc(VI.modes[x.mode] ?? x.mode)}</small>` : ''}${x.fallbackReason ? `<br><small>${esc(x.fallbackReason)}</small>` : ''}`,
    n(x.checked),
    n(x.matched),
    n(x.missing),
    n(x.extra),
    n(x.different),
    pct(x.matchRate),
    secs(x.seconds),
  ]);
  const t = m.totals;
  rows.push([`<strong>${VI.total}</strong>`, n(t.checked), n(t.matched), n(t.missing), n(t.extra), n(t.different), pct(t.matchRate), secs(t.seconds)]);
  const numeric = [false, true, true, true, true, true, true, true];
  const categories = e.map((x) => x.label);
  const differences: Series[] = (['missing', 'extra', 'different'] as const).map((k) => ({ label: VI[k], color: COLORS[k], values: e.map((x) => x[k]) }));
  const shares = stackedShares({ title: VI.sharesChart, categories, series: [{ label: VI.matched, color: COLORS.matched, values: e.map((x) => x.matched) }, ...differences] });
  const diffs = t.missing + t.extra + t.different > 0 ? figure(horizontalBars({ title: VI.differencesChart, categories, series: differences }), VI.differencesChart) : '';
  return `<section class="keep"><h2>${esc(VI.summaryHeading)}</h2>${table(
    [VI.entity, VI.checked, VI.matched, VI.missing, VI.extra, VI.different, VI.matchRate, VI.seconds],
    rows,
    numeric,
    'summary',
  )}${figure(shares, VI.sharesChart)}${diffs}</section>`;
}

function fields(m: ReportModel): string {
  if (m.fields.length === 0) return `<section class="keep"><h2>${esc(VI.fieldsHeading)}</h2><p>${esc(VI.noFieldDifferences)}</p></section>`;
  const rows = m.fields.map((f) => [esc(f.entityLabel), `${esc(f.label)}<br>${code(f.field)}`, n(f.rows)]);
  const chart = horizontalBars({
    title: VI.fieldsChart,
    categories: m.fields.map((f) => `${f.field} (${f.entity})`),
    series: [{ label: VI.rowsDiffering, color: COLORS.different, values: m.fields.map((f) => f.rows) }],
  });
  return `<section class="keep"><h2>${esc(VI.fieldsHeading)}</h2>${table([VI.entity, VI.field, VI.rowsDiffering], rows, [false, false, true])}${figure(chart, VI.fieldsChart)}</section>`;
}

function replication(m: ReportModel): string {
  const u = m.statistics.updates;
  const d = m.statistics.deadLetters;
  const parts = [`<h2>${esc(VI.replicationHeading)}</h2>`];
  if (!u.available) parts.push(`<p>${esc(VI.notAvailable)}</p>`);
  else {
    parts.push(table([VI.applied, VI.lagP50, VI.lagP95, VI.lagMax], [[n(u.applied), secs(u.p50Seconds), secs(u.p95Seconds), secs(u.maxSeconds)]], [true, true, true, true]));
    if (u.days.length > 0) {
      const lines: Series[] = [
        { label: VI.lagP50, color: COLORS.p50, values: u.days.map((x) => x.p50Seconds) },
        { label: VI.lagP95, color: COLORS.p95, values: u.days.map((x) => x.p95Seconds) },
      ];
      const bars = { label: VI.applied, color: COLORS.applied, values: u.days.map((x) => x.applied) };
      parts.push(figure(dailyChart({ title: VI.lagChart, days: u.days.map((x) => vnDay(x.day)), lines, bars, lineUnit: VI.seconds_, barUnit: VI.changes }), VI.lagChart));
    }
    parts.push(`<h3>${esc(VI.updateLogHeading)}</h3>`);
    const label = (entity: string): string => m.entities.find((x) => x.entity === entity)?.label ?? entity;
    parts.push(
      table(
        [VI.entity, VI.operation, VI.action, VI.count],
        u.byEntity.map((r) => [`${esc(label(r.entity))} ${code(r.entity)}`, esc(VI.ops[r.op] ?? r.op), code(r.action), n(r.count)]),
        [false, false, false, true],
      ),
    );
  }
  parts.push(`<h3>${esc(VI.deadLettersHeading)}</h3>`);
  if (!d.available) parts.push(`<p>${esc(VI.notAvailable)}</p>`);
  else if (d.total === 0) parts.push(`<p>${esc(VI.noDeadLetters)}</p>`);
  else {
    parts.push(
      table(
        [VI.reason, VI.count],
        d.byReason.map((r) => [code(r.reason), n(r.count)]),
        [false, true],
      ),
    );
    const series = [{ label: VI.count, color: COLORS.different, values: d.byReason.map((r) => r.count) }];
    parts.push(figure(horizontalBars({ title: VI.deadLettersChart, categories: d.byReason.map((r) => r.reason), series }), VI.deadLettersChart));
  }
  return `<section>${parts.join('')}</section>`;
}

function access(m: ReportModel): string {
  const a = m.statistics.access;
  const parts = [`<h2>${esc(VI.accessHeading)}</h2>`];
  if (!a.available) return `<section>${parts.join('')}<p>${esc(VI.notAvailable)}</p></section>`;
  if (a.total === 0) return `<section>${parts.join('')}<p>${esc(VI.noAccess)}</p></section>`;
  parts.push(table([VI.total, VI.declared, VI.undeclared], [[n(a.total), n(a.declared), n(a.undeclared)]], [true, true, true]));
  const lines = (['declared', 'undeclared'] as const).map((k) => ({ label: VI[k], color: COLORS[k], values: a.days.map((x) => x[k]) }));
  parts.push(figure(dailyChart({ title: VI.accessChart, days: a.days.map((x) => vnDay(x.day)), lines, lineUnit: VI.count }), VI.accessChart));
  const shown = a.byReader.slice(0, MAX_READER_ROWS);
  parts.push(
    table(
      [VI.who, VI.table, VI.purpose, VI.source, VI.count, VI.first, VI.last],
      shown.map((r) => [
        esc(r.who),
        code(r.table),
        r.purpose === 'UNDECLARED_DIRECT_READ' ? `<span class="alert">${code(r.purpose)}</span>` : code(r.purpose),
        esc(VI.sources[r.source] ?? r.source),
        n(r.count),
        vnTime(r.first),
        vnTime(r.last),
      ]),
      [false, false, false, false, true, false, false],
    ),
  );
  if (a.byReader.length > shown.length) parts.push(`<p><small>… ${n(a.byReader.length - shown.length)}</small></p>`);
  return `<section>${parts.join('')}</section>`;
}

function unitTable(u: UnitTable): string {
  const head = `<h3>${esc(u.entityLabel)} (${code(u.entity)})</h3>`;
  if (u.rows === null) return `${head}<p>${esc(u.note === 'incremental' ? VI.unitsFromFullRun : VI.unitsNotShared)}</p>`;
  const shown = u.rows.slice(0, MAX_UNIT_ROWS);
  // A unit is named by its code and name; only a unit the provider's org_unit does not name shows its id.
  const rows = shown.map((r) => [r.unit === null ? esc(VI.noUnit) : r.label === r.unit ? code(r.unit) : esc(r.label), n(r.sourceRows), n(r.partnerRows), n(r.differences)]);
  const rest = u.rows.slice(MAX_UNIT_ROWS);
  if (rest.length > 0) {
    rows.push([
      `… ${n(rest.length)}`,
      n(rest.reduce((s, r) => s + r.sourceRows, 0)),
      n(rest.reduce((s, r) => s + r.partnerRows, 0)),
      n(rest.reduce((s, r) => s + r.differences, 0)),
    ]);
  }
  const top = shown.slice(0, 15);
  const chart = horizontalBars({
    title: VI.unitsChart,
    categories: top.map((r) => (r.unit === null ? VI.noUnit : r.label)),
    series: [
      { label: VI.partnerRows, color: COLORS.matched, values: top.map((r) => r.partnerRows) },
      { label: VI.differences, color: COLORS.different, values: top.map((r) => r.differences) },
    ],
  });
  return `${head}${table([VI.unit, VI.sourceRows, VI.partnerRows, VI.differences], rows, [false, true, true, true])}${figure(chart, VI.unitsChart)}`;
}

function method(m: ReportModel): string {
  const command = `thahs reconcile-report --agreement ${m.run.agreementId} --run ${m.run.id} --format json`;
  return `<section class="keep"><h2>${esc(VI.methodHeading)}</h2><ol>${METHOD_VI.map((p) => `<li>${esc(p)}</li>`).join('')}</ol><p>${esc(VI.keysNote)} <code>${esc(command)}</code>.</p><p><small>${esc(m.run.hashVersion)}</small></p></section>`;
}

const CSS = `
:root { color-scheme: light; }
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1a1a1a; margin: 24px auto; max-width: 980px; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 1.5em; margin: 0 0 4px; } h2 { font-size: 1.2em; margin: 28px 0 8px; border-bottom: 2px solid #1565c0; padding-bottom: 2px; } h3 { font-size: 1.05em; margin: 16px 0 6px; }
.subtitle { color: #444; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 4px 6px; vertical-align: top; text-align: left; }
thead th { background: #e8eef7; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.meta th { width: 34%; background: #f3f5f8; font-weight: 600; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }
code.hash { word-break: break-all; }
.alert code { color: #c62828; font-weight: 600; }
table.summary td:first-child { width: 24%; }
.status.clean { color: #2e7d32; font-weight: 700; } .status.differences, .status.failed { color: #c62828; font-weight: 700; }
figure { margin: 8px 0 16px; } figcaption { font-size: 0.85em; color: #555; }
svg.chart { max-width: 100%; height: auto; display: block; }
footer { margin-top: 32px; font-size: 0.8em; color: #666; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  section.keep, figure, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
}`;

export function renderReportHtml(m: ReportModel): string {
  const units = `<section><h2>${esc(VI.unitsHeading)}</h2>${m.units.map(unitTable).join('')}</section>`;
  return `<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(VI.title)} — ${esc(m.run.agreementId)} — ${esc(m.run.id)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(VI.title)}</h1><p class="subtitle">${esc(VI.subtitle)}</p>${meta(m)}</header>
<main>${summary(m)}${fields(m)}${replication(m)}${access(m)}${units}${method(m)}</main>
<footer>${esc(m.run.agreementId)} · ${esc(VI.run)} ${esc(m.run.id)} · ${vnTime(m.generatedAt)} (UTC+7)</footer>
</body>
</html>
`;
}
