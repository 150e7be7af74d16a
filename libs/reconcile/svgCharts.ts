/**
 * Small inline SVG charts for the evaluation report: no script, no external asset, so the report is one
 * file that prints to PDF as it shows. Every chart carries a <title> (what it shows) and its numbers as
 * text, so it still reads on a black-and-white printout.
 */
export interface Series {
  label: string;
  color: string;
  values: readonly number[];
}

const FONT = 'font-family="Noto Sans, DejaVu Sans, Arial, sans-serif"';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Thousands separated the Vietnamese way (1.234.567; decimals with a comma). */
export function formatNumber(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  const fixed = Math.abs(n).toFixed(digits);
  const [int, frac] = fixed.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${n < 0 ? '-' : ''}${grouped}${frac ? `,${frac}` : ''}`;
}

/** A round upper bound for an axis (1, 2 or 5 times a power of ten). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Width a label of 12 px text takes, estimated (no layout engine here): wide enough for Vietnamese text in Noto/DejaVu Sans. */
export function textWidth(s: string, px = 12): number {
  return Math.ceil([...s].length * px * 0.58);
}

function legend(series: readonly Series[], x: number, y: number): string {
  let at = x;
  return series
    .map((s) => {
      const g = `<g transform="translate(${at},${y})"><rect width="12" height="12" fill="${s.color}"/><text x="18" y="11" font-size="12" ${FONT}>${escapeXml(s.label)}</text></g>`;
      at += 18 + textWidth(s.label) + 18;
      return g;
    })
    .join('');
}

/** A label cut to fit `width` pixels, with an ellipsis. */
function fitLabel(label: string, width: number, px = 12): string {
  const chars = [...label];
  const max = Math.max(4, Math.floor(width / (px * 0.58)));
  return chars.length <= max ? label : `${chars.slice(0, max - 1).join('')}…`;
}

/** Ticks of an axis from 0 to `max`: whole numbers when the step is whole. */
function tickText(v: number, step: number): string {
  return formatNumber(v, Number.isInteger(step) ? 0 : step < 0.1 ? 2 : 1);
}

/**
 * Horizontal bars, one group per category and one bar per series, each labelled with its value: for
 * counts that differ by orders of magnitude across categories, every bar keeps a visible minimum.
 */
export function horizontalBars(o: { title: string; categories: readonly string[]; series: readonly Series[]; width?: number; unit?: string }): string {
  const width = o.width ?? 720;
  const labelW = Math.min(300, Math.max(120, ...o.categories.map((c) => textWidth(c) + 16)));
  const barH = 14;
  const gap = 4;
  const groupH = o.series.length * (barH + gap) + 10;
  const top = o.series.length > 1 ? 28 : 8;
  const height = top + o.categories.length * groupH + 8;
  const max = niceMax(Math.max(0, ...o.series.flatMap((s) => s.values)));
  const plotW = width - labelW - 90;
  const parts: string[] = [];
  o.categories.forEach((c, i) => {
    const y0 = top + i * groupH;
    parts.push(`<text x="${labelW - 8}" y="${y0 + (groupH - 10) / 2 + 4}" text-anchor="end" font-size="12" ${FONT}>${escapeXml(fitLabel(c, labelW - 12))}</text>`);
    o.series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const w = v > 0 ? Math.max(2, (v / max) * plotW) : 0;
      const y = y0 + j * (barH + gap);
      parts.push(
        `<rect class="bar" x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${s.color}"><title>${escapeXml(`${c} — ${s.label}: ${formatNumber(v)}`)}</title></rect>`,
      );
      // Zeros are left unlabelled: the table beside every chart gives them, and a column of zeros hides the bars that matter.
      if (v !== 0)
        parts.push(`<text x="${(labelW + w + 6).toFixed(1)}" y="${y + barH - 3}" font-size="11" ${FONT}>${formatNumber(v)}${o.unit ? ` ${escapeXml(o.unit)}` : ''}</text>`);
    });
  });
  if (o.series.length > 1) parts.push(legend(o.series, 8, 6));
  return svg(o.title, width, height, parts.join(''));
}

/** 100 % stacked bars: the share of each part in every category (e.g. matched, missing, extra, different). */
export function stackedShares(o: { title: string; categories: readonly string[]; series: readonly Series[]; width?: number }): string {
  const width = o.width ?? 720;
  const labelW = Math.min(300, Math.max(120, ...o.categories.map((c) => textWidth(c) + 16)));
  const barH = 18;
  const top = 28;
  const height = top + o.categories.length * (barH + 10) + 8;
  const plotW = width - labelW - 20;
  const parts: string[] = [legend(o.series, 8, 6)];
  o.categories.forEach((c, i) => {
    const y = top + i * (barH + 10);
    const total = o.series.reduce((n, s) => n + (s.values[i] ?? 0), 0);
    parts.push(`<text x="${labelW - 8}" y="${y + barH - 5}" text-anchor="end" font-size="12" ${FONT}>${escapeXml(fitLabel(c, labelW - 12))}</text>`);
    if (total === 0) {
      parts.push(`<rect x="${labelW}" y="${y}" width="${plotW}" height="${barH}" fill="none" stroke="#999"/>`);
      return;
    }
    // A non-zero part stays visible (2 px) however small its share; the widest part gives the room.
    const widths = o.series.map((s) => ((s.values[i] ?? 0) > 0 ? Math.max(2, ((s.values[i] ?? 0) / total) * plotW) : 0));
    const excess = widths.reduce((a, b) => a + b, 0) - plotW;
    const widest = widths.indexOf(Math.max(...widths));
    widths[widest] -= Math.max(0, excess);
    let x = labelW;
    o.series.forEach((s, j) => {
      if (widths[j] <= 0) return;
      parts.push(
        `<rect class="bar" x="${x.toFixed(1)}" y="${y}" width="${widths[j].toFixed(1)}" height="${barH}" fill="${s.color}"><title>${escapeXml(`${c} — ${s.label}: ${formatNumber(s.values[i] ?? 0)}`)}</title></rect>`,
      );
      x += widths[j];
    });
  });
  return svg(o.title, width, height, parts.join(''));
}

/** Lines over days (e.g. replication lag percentiles), with optional bars behind them on a second axis (e.g. changes applied). */
export function dailyChart(o: { title: string; days: readonly string[]; lines: readonly Series[]; bars?: Series; lineUnit: string; barUnit?: string; width?: number }): string {
  const width = o.width ?? 720;
  const height = 240;
  const left = 56;
  const right = o.bars ? 64 : 16;
  const top = 30;
  const bottom = 36;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const n = Math.max(1, o.days.length);
  const xOf = (i: number): number => left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const lineMax = niceMax(Math.max(0, ...o.lines.flatMap((s) => s.values.filter(Number.isFinite))));
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const y = top + plotH - (k / 4) * plotH;
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end" font-size="10" ${FONT}>${tickText((k / 4) * lineMax, lineMax / 4)}</text>`);
  }
  parts.push(`<text x="8" y="${top - 12}" font-size="10" ${FONT}>${escapeXml(o.lineUnit)}</text>`);
  if (o.bars) {
    const barMax = niceMax(Math.max(0, ...o.bars.values));
    const bw = Math.max(1, Math.min(24, (plotW / n) * 0.7));
    o.bars.values.forEach((v, i) => {
      const h = (v / barMax) * plotH;
      parts.push(
        `<rect class="bar" x="${(xOf(i) - bw / 2).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${bw.toFixed(1)}" height="${h.toFixed(1)}" fill="${o.bars!.color}" opacity="0.45"><title>${escapeXml(`${o.days[i]} — ${o.bars!.label}: ${formatNumber(v)}`)}</title></rect>`,
      );
    });
    for (let k = 0; k <= 4; k++) {
      const y = top + plotH - (k / 4) * plotH;
      parts.push(`<text x="${left + plotW + 6}" y="${y + 4}" font-size="10" ${FONT}>${tickText((k / 4) * barMax, barMax / 4)}</text>`);
    }
    if (o.barUnit) parts.push(`<text x="${width - 8}" y="${top - 12}" text-anchor="end" font-size="10" ${FONT}>${escapeXml(o.barUnit)}</text>`);
  }
  for (const s of o.lines) {
    const pts = s.values
      .map((v, i) => (Number.isFinite(v) ? `${xOf(i).toFixed(1)},${(top + plotH - (v / lineMax) * plotH).toFixed(1)}` : null))
      .filter((p): p is string => p !== null);
    if (pts.length > 1) parts.push(`<polyline class="line" points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of pts) {
      const [x, y] = p.split(',');
      parts.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${s.color}"/>`);
    }
  }
  const step = Math.max(1, Math.ceil(n / 8));
  o.days.forEach((d, i) => {
    // The last day is labelled too, unless it would run into the label before it.
    if (i % step === 0 || (i === n - 1 && i % step >= step / 2))
      parts.push(`<text x="${xOf(i).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="10" ${FONT}>${escapeXml(d)}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#555"/>`);
  parts.push(legend([...o.lines, ...(o.bars ? [o.bars] : [])], left + 40, 6));
  return svg(o.title, width, height, parts.join(''));
}

function svg(title: string, width: number, height: number, body: string): string {
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${escapeXml(title)}</title>${body}</svg>`;
}
