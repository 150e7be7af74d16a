import { randomBytes } from 'crypto';
import type { HistoryPoint } from './statusHistory';
import { LABELS, MINISTRY_NAMES, STATUS_VI } from './statusLabels';
import type { ExchangeStatus } from './statusModel';

/** What /status.json answers and the page draws: the status and the recent points of its charts. */
export interface StatusDocument {
  status: ExchangeStatus;
  history: HistoryPoint[];
}

/** JSON inside a <script type="application/json">: `<` escaped so no text can close the element. */
function embedded(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body{font:14px/1.45 system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;background:#f5f6f8;color:#1c2430}
header{background:#7a1f1f;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:20px;margin:0}
header .meta{opacity:.85}
main{padding:12px 20px;display:grid;gap:14px}
section{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:10px 14px}
h2{font-size:16px;margin:4px 0 8px}
h3{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eceef1;vertical-align:top}
th{font-weight:600;color:#4a5566;background:#fafbfc}
.ok{color:#176b2c;font-weight:600}#health{background:#fff;border-radius:4px;padding:2px 8px}.bad{color:#b3261e;font-weight:600}.warn{color:#8a5a00;font-weight:600}
.alarm{padding:4px 8px;border-radius:4px;margin:3px 0}.alarm.critical{background:#fde8e6}.alarm.warning{background:#fff4d6}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.muted{color:#6b7686}.num,th.num{text-align:right}
`;

/**
 * The page script: draws the status from /status.json (every 5 s) with DOM text nodes only (no
 * markup from data), and the lag and rate charts as inline SVG. Nothing is fetched but /status.json.
 */
const SCRIPT = String.raw`(function () {
  'use strict';
  var L = JSON.parse(document.getElementById('labels').textContent);
  var doc = JSON.parse(document.getElementById('initial').textContent);
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  var SVG = 'http://www.w3.org/2000/svg';
  function el(tag, cls, children) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    (children || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function fmt(v) { return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 2 : 1); }
  function txt(v) { return v === null || v === undefined ? L.labels.unknown : typeof v === 'number' ? fmt(v) : String(v); }
  function time(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—'; }
  function numeric(c) { return typeof c === 'number' || (typeof c === 'string' && /^\d+$/.test(c)) || c === '—'; }
  function table(head, rows) {
    var t = el('table');
    var cols = head.map(function (_h, i) { return rows.length > 0 && rows.every(function (r) { return numeric(r[i]); }); });
    t.appendChild(el('tr', '', head.map(function (h, i) { return el('th', cols[i] ? 'num' : '', [h]); })));
    rows.forEach(function (r) { t.appendChild(el('tr', '', r.map(function (c, i) { return c instanceof Node ? el('td', '', [c]) : el('td', cols[i] ? 'num' : '', [txt(c)]); }))); });
    return t;
  }
  function state(up) { return el('span', up ? 'ok' : 'bad', [up ? L.labels.up : L.labels.down]); }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }
  function chart(title, series) {
    var box = el('section', 'chart', [el('h2', '', [title])]);
    var pts = series.reduce(function (n, s) { return n + s.points.length; }, 0);
    if (series.length === 0 || pts < 2) { box.appendChild(el('p', 'muted', [L.labels.unknown])); return box; }
    var W = 560, H = 200, P = 36;
    var t0 = Infinity, t1 = -Infinity, max = 0;
    series.forEach(function (s) { s.points.forEach(function (p) { t0 = Math.min(t0, p[0]); t1 = Math.max(t1, p[0]); max = Math.max(max, p[1]); }); });
    if (t1 <= t0) t1 = t0 + 1;
    if (max <= 0) max = 1;
    var g = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', 'aria-label': title });
    g.appendChild(svg('line', { x1: P, y1: H - P, x2: W - 8, y2: H - P, stroke: '#9aa3af' }));
    g.appendChild(svg('line', { x1: P, y1: 8, x2: P, y2: H - P, stroke: '#9aa3af' }));
    [0, 0.5, 1].forEach(function (f) {
      var y = H - P - f * (H - P - 8);
      var label = svg('text', { x: P - 4, y: y + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#4a5566' });
      label.textContent = fmt(max * f);
      g.appendChild(label);
    });
    var span = svg('text', { x: W - 8, y: H - P + 14, 'text-anchor': 'end', 'font-size': 10, fill: '#4a5566' });
    span.textContent = time(new Date(t0).toISOString()) + ' → ' + time(new Date(t1).toISOString());
    g.appendChild(span);
    var legend = el('div', 'legend');
    series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      var d = s.points.map(function (p) { return (P + ((p[0] - t0) / (t1 - t0)) * (W - 8 - P)).toFixed(1) + ',' + (H - P - (p[1] / max) * (H - P - 8)).toFixed(1); }).join(' ');
      g.appendChild(svg('polyline', { points: d, fill: 'none', stroke: color, 'stroke-width': 2 }));
      var sw = el('i'); sw.style.background = color;
      legend.appendChild(el('span', '', [sw, s.name + ' (' + txt(s.points.length ? s.points[s.points.length - 1][1] : null) + ')']));
    });
    box.appendChild(g); box.appendChild(legend);
    return box;
  }
  function seriesOf(history, field) {
    var names = {};
    history.forEach(function (h) { Object.keys(h[field]).forEach(function (k) { names[k] = true; }); });
    return Object.keys(names).sort().map(function (k) {
      return { name: field === 'rate' ? (L.ministries[k] || k) : k, points: history.filter(function (h) { return typeof h[field][k] === 'number'; }).map(function (h) { return [h.t, h[field][k]]; }) };
    });
  }
  function agreement(a) {
    var box = el('div', 'agreement');
    box.appendChild(el('h3', '', [a.agreementId + ' — ' + (a.role === 'provider' ? L.labels.provider + ' → ' + txt(a.receiver) : L.labels.receiver + ' ← ' + a.provider)]));
    var rows = [[L.labels.status, L.status[a.status] || a.status], [L.labels.versionInForce, a.versionInForce === null ? L.labels.none : 'v' + a.versionInForce], [L.labels.entities, a.entities.join(', ')]];
    if (a.publication) rows.push([L.labels.publishedLastMinute, txt(a.publication.eventsLastMinute)]);
    var c = a.consumer;
    if (c) {
      rows.push([L.labels.group, c.group + ' (' + c.state + ', ' + c.members + ' ' + L.labels.members + ')']);
      rows.push([L.labels.consumerLag, String(c.totalLag)]);
      rows.push([L.labels.lastApplied, time(c.lastAppliedCommitTs)]);
      rows.push([L.labels.appliedLastMinute, txt(c.appliedLastMinute)]);
      rows.push([L.labels.deadLetters, String(c.deadLetters.total) + (c.deadLetters.total ? ' (' + Object.keys(c.deadLetters.byReason).map(function (r) { return r + ' ' + c.deadLetters.byReason[r]; }).join(', ') + ')' : '')]);
      rows.push([L.labels.withheld, txt(c.withheld)]);
    }
    var r = a.reconciliation;
    if (r) rows.push([L.labels.reconciliation, r.present ? ('#' + r.runId + ' ' + r.status + ', ' + time(r.finishedAt || r.startedAt) + ', ' + txt(r.matched) + '/' + txt(r.checked)) : L.labels.noReconciliation]);
    box.appendChild(table(['', ''], rows));
    if (c && c.partitions.length) {
      box.appendChild(table([L.labels.topic, L.labels.partition, L.labels.committed, L.labels.end, L.labels.lag], c.partitions.map(function (p) { return [p.entity, p.partition, p.committed === null ? '—' : p.committed, p.high, p.lag]; })));
    }
    return box;
  }
  function ministry(m) {
    var s = el('section', 'ministry');
    s.appendChild(el('h2', '', [L.ministries[m.ministry] || m.ministry]));
    var slot = m.slot ? (m.slot.exists ? m.slot.name + ': ' + (m.slot.active ? 'active' : 'inactive') + ', ' + (m.slot.lagBytes === null ? L.labels.unknown : (m.slot.lagBytes / 1048576).toFixed(2) + ' MiB') + ', ' + (m.slot.lagSeconds === null ? L.labels.unknown : m.slot.lagSeconds.toFixed(1) + ' s') : m.slot.name + ': ' + L.labels.missing) : '—';
    s.appendChild(table(['', ''], [
      [L.labels.database, state(m.database.up)],
      [L.labels.slotLag, slot],
      [L.labels.producer, m.producer.eventsPerSecond === null ? L.labels.unknown : fmt(m.producer.eventsPerSecond) + ' ' + L.labels.eventsPerSecond],
    ]));
    s.appendChild(el('h3', '', [L.labels.agreements + (m.agreements.length ? '' : ': ' + L.labels.none)]));
    m.agreements.forEach(function (a) { s.appendChild(agreement(a)); });
    m.notes.forEach(function (n) { s.appendChild(el('p', 'warn', [L.labels.notes + ': ' + n])); });
    return s;
  }
  function render(d) {
    var st = d.status;
    document.getElementById('generated').textContent = L.labels.generatedAt + ' ' + time(st.generatedAt) + ' · ' + L.labels.refresh;
    var health = document.getElementById('health');
    health.textContent = st.healthy ? L.labels.healthy : L.labels.unhealthy;
    health.className = st.healthy ? 'ok' : 'bad';
    var app = document.getElementById('app');
    while (app.firstChild) app.removeChild(app.firstChild);
    var alarms = el('section', 'alarms', [el('h2', '', [L.labels.alarms])]);
    if (!st.alarms.length) alarms.appendChild(el('p', 'ok', [L.labels.noAlarms]));
    st.alarms.forEach(function (a) { alarms.appendChild(el('div', 'alarm ' + a.severity, [(a.severity === 'critical' ? L.labels.critical : L.labels.warning) + ' · ' + a.message + (a.hint ? ' → ' + a.hint : '')])); });
    app.appendChild(alarms);
    var srv = st.servers;
    app.appendChild(el('section', '', [el('h2', '', [L.labels.servers]), table(['', '', ''], [[L.labels.kafka, state(srv.kafka.up), srv.kafka.endpoint], [L.labels.registry, state(srv.registry.up), srv.registry.endpoint], [L.labels.mainJob, state(srv.mainJob.up), srv.mainJob.endpoint]])]));
    app.appendChild(el('div', 'charts', [chart(L.labels.lagChart, seriesOf(d.history, 'lag')), chart(L.labels.rateChart, seriesOf(d.history, 'rate'))]));
    st.ministries.forEach(function (m) { app.appendChild(ministry(m)); });
  }
  function refresh() {
    fetch('/status.json', { cache: 'no-store' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
      if (d) { doc = d; render(doc); }
    }).catch(function () {
      document.getElementById('generated').textContent = L.labels.generatedAt + ' ' + time(doc.status.generatedAt) + ' · ' + L.labels.down;
    });
  }
  render(doc);
  setInterval(refresh, 5000);
})();`;

/** The read-only status page: HTML, inline style and script, the first data embedded (no external asset). */
export function renderStatusPage(d: StatusDocument): { html: string; nonce: string } {
  const nonce = randomBytes(16).toString('base64');
  const labels = { labels: LABELS, status: STATUS_VI, ministries: MINISTRY_NAMES };
  const html = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${LABELS.title}</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header><h1>${LABELS.title}</h1><span id="health"></span><span class="meta" id="generated"></span></header>
<main id="app"></main>
<script type="application/json" id="labels">${embedded(labels)}</script>
<script type="application/json" id="initial">${embedded(d)}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
  return { html, nonce };
}

/** Only this page's own script and style run, and nothing but this server is asked for anything. */
export function statusPageCsp(nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}
