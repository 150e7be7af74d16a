import { LABELS as L, MINISTRY_NAMES, STATUS_VI } from './statusLabels';
import type { AgreementView, ExchangeStatus, MinistryView, ServerState } from './statusModel';

export interface TextOptions {
  /** Every partition, not only those behind. */
  allPartitions?: boolean;
  /** ANSI colours (a terminal). */
  color?: boolean;
}

function mib(bytes: number | null): string {
  if (bytes === null) return L.unknown;
  return bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function num(n: number | null | undefined, digits = 0): string {
  return n === null || n === undefined ? L.unknown : n.toFixed(digits);
}

function time(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
}

function server(s: ServerState, paint: (t: string, c: 'red' | 'green' | 'yellow' | 'bold') => string): string {
  return `${s.name} ${s.up ? paint(L.up, 'green') : paint(L.down, 'red')} ${s.endpoint}${s.up && s.latencyMs !== undefined ? ` ${s.latencyMs} ms` : ''}${!s.up && s.error ? ` (${s.error})` : ''}`;
}

function agreementLines(a: AgreementView, o: TextOptions): string[] {
  const head = `  ${a.agreementId}  ${a.role === 'provider' ? `${L.provider} (provider) → ${a.receiver ?? '?'}` : `${L.receiver} (receiver) ← ${a.provider}`}  ${STATUS_VI[a.status]} (${a.status})  ${L.versionInForce}: ${a.versionInForce === null ? L.none : `v${a.versionInForce}`}`;
  const lines = [head, `      ${L.entities} (entities): ${a.entities.join(', ') || '—'}`];
  if (a.publication) {
    lines.push(
      `      ${L.publishedLastMinute} (published/min): ${num(a.publication.eventsLastMinute)}${a.publication.missingTopics.length ? `; ${L.missingTopics}: ${a.publication.missingTopics.length}` : ''}`,
    );
  }
  const c = a.consumer;
  if (c) {
    lines.push(
      `      ${L.group} (group) ${c.group}: ${c.state}, ${c.members} ${L.members}; ${L.consumerLag} (lag) ${c.totalLag}${c.consumedPerSecond !== null ? `, ${c.consumedPerSecond.toFixed(1)} ${L.eventsPerSecond}` : ''}`,
      `      ${L.lastApplied} (last applied): ${time(c.lastAppliedCommitTs)} (applied ${time(c.lastAppliedAt)}); ${L.appliedLastMinute}: ${num(c.appliedLastMinute)}`,
      `      ${L.deadLetters} (dead letters): ${c.deadLetters.total}${
        c.deadLetters.total
          ? ` (${Object.entries(c.deadLetters.byReason)
              .map(([r, n]) => `${r} ${n}`)
              .join(', ')})`
          : ''
      }; ${L.withheld} (withheld): ${num(c.withheld)}`,
    );
    const shown = o.allPartitions ? c.partitions : c.partitions.filter((p) => p.lag > 0);
    if (shown.length > 0) {
      for (const p of shown) lines.push(`        ${p.entity}[${p.partition}]  ${L.committed} ${p.committed ?? '—'}  ${L.end} ${p.high}  ${L.lag} ${p.lag}`);
    } else if (c.partitions.length > 0) lines.push(`        ${c.partitions.length} ${L.partition}: ${L.partitionsCaughtUp}`);
    if (c.missingTopics.length) lines.push(`      ${L.missingTopics} (missing topics): ${c.missingTopics.join(', ')}`);
  }
  const r = a.reconciliation;
  if (r) {
    lines.push(
      r.present
        ? `      ${L.reconciliation} (reconciliation): run ${r.runId} ${r.mode} ${r.status}, ${time(r.finishedAt ?? r.startedAt)}; checked ${num(r.checked)}, matched ${num(r.matched)}, missing ${num(r.missing)}, extra ${num(r.extra)}, different ${num(r.different)}`
        : `      ${L.reconciliation} (reconciliation): ${L.noReconciliation}${r.note ? ` — ${r.note}` : ''}`,
    );
  }
  return lines;
}

function ministryLines(m: MinistryView, o: TextOptions, paint: (t: string, c: 'red' | 'green' | 'yellow' | 'bold') => string): string[] {
  const lines = [paint(`══ ${MINISTRY_NAMES[m.ministry] ?? m.ministry} ══`, 'bold'), `${L.database} (database): ${server(m.database, paint)}`];
  const s = m.slot;
  if (s) {
    lines.push(
      s.exists
        ? `${L.slot} (slot) ${s.name}: ${s.active ? 'active' : paint('inactive', 'yellow')}, wal ${s.walStatus ?? '?'}, ${L.slotLag} ${mib(s.lagBytes)}, ${s.lagSeconds === null ? `${L.unknown} s` : `${s.lagSeconds.toFixed(1)} s (${s.lagSecondsSource})`}`
        : `${L.slot} (slot) ${s.name}: ${paint(`${L.missing} (missing)`, 'yellow')}`,
    );
  }
  lines.push(
    `${L.producer} (producer): ${m.producer.eventsPerSecond === null ? L.unknown : `${m.producer.eventsPerSecond.toFixed(1)} ${L.eventsPerSecond} (${m.producer.source})`}`,
  );
  lines.push(`${L.agreements} (agreements):${m.agreements.length ? '' : ` ${L.none}`}`);
  for (const a of m.agreements) lines.push(...agreementLines(a, o));
  for (const n of m.notes) lines.push(paint(`  ${L.notes}: ${n}`, 'yellow'));
  return lines;
}

const COLORS = { red: '31', green: '32', yellow: '33', bold: '1' } as const;

/** The status as the terminal shows it: one block per ministry, then the alarms. */
export function renderStatusText(s: ExchangeStatus, o: TextOptions = {}): string {
  const paint = (t: string, c: keyof typeof COLORS): string => (o.color ? `\x1b[${COLORS[c]}m${t}\x1b[0m` : t);
  const job = s.servers.mainJob;
  const lines = [
    paint(`${L.title} (exchange status) — ${time(s.generatedAt)} — prefix ${s.topicPrefix} — ${s.healthy ? paint(L.healthy, 'green') : paint(L.unhealthy, 'red')}`, 'bold'),
    `${L.servers} (servers): ${server(s.servers.kafka, paint)} · ${server(s.servers.registry, paint)}`,
    `${L.mainJob}: ${job.up ? `${paint(L.up, 'green')} ${job.endpoint}, /health ${job.healthy ? 'healthy' : paint('unhealthy', 'red')}, since ${time(job.startedAt)}` : `${paint(L.down, 'yellow')} ${job.endpoint}`}`,
  ];
  for (const m of s.ministries) lines.push('', ...ministryLines(m, o, paint));
  lines.push('', `${L.alarms} (alarms):${s.alarms.length ? '' : ` ${L.noAlarms}`}`);
  for (const a of s.alarms) {
    const tag = a.severity === 'critical' ? paint(L.critical, 'red') : paint(L.warning, 'yellow');
    lines.push(`  ${tag} ${a.code}: ${a.message}${a.hint ? `  → ${a.hint}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * One frame of `--watch`: the cursor home, each line cleared to its end, and everything below the
 * frame cleared, written at once — the terminal never shows an empty screen between two frames.
 */
export function watchFrame(text: string): string {
  const body = text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `${l}\x1b[K`)
    .join('\n');
  return `\x1b[H${body}\n\x1b[J`;
}
