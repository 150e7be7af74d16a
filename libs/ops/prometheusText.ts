/** One sample of a Prometheus text exposition: `name{label="value",…} value`. */
export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

function unescape(v: string): string {
  return v.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/**
 * Parses the text exposition format (version 0.0.4) that prom-client writes: comments and blank
 * lines are skipped, a line that does not parse is skipped too (a status screen shows what it can
 * read rather than fail on one odd line).
 */
export function parsePrometheusText(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let l: RegExpExecArray | null;
      let end = 0;
      while ((l = LABEL.exec(m[2])) !== null) {
        labels[l[1]] = unescape(l[2]);
        end = LABEL.lastIndex;
      }
      if (end !== m[2].length) continue;
    }
    const value = parseValue(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') continue;
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include every pair of `match`. */
export function sumSamples(samples: readonly MetricSample[], name: string, match: Readonly<Record<string, string>> = {}): number | null {
  let found = false;
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).some(([k, v]) => s.labels[k] !== v)) continue;
    found = true;
    sum += s.value;
  }
  return found ? sum : null;
}
