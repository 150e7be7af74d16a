import { generateKeyPairSync } from 'crypto';
import { encodeWatermark, encodeWatermarkProof, WATERMARK_HEADER, watermarkDigest, watermarkTopic, type Watermark } from '../../libs/events';
import { createLogger } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { EventVerifier, signBatch, type SigningKey } from '../../libs/signing';
import { WatermarkWatch } from './watermarkWatch';

const pair = (keyId: string): SigningKey => ({ keyId, ...generateKeyPairSync('ed25519') });
const key = pair('cand-c10-wm');
const other = pair('cand-c10-other');
const T = 'thahs.cand.A.person';
let clock = 1_764_201_600_000;

function record(partitions: Watermark['partitions'], o: { signer?: SigningKey; keyId?: string; atMs?: number; run?: string; topic?: string; agreement?: string } = {}) {
  const signer = o.signer ?? key;
  const wt = watermarkTopic('thahs', 'cand', o.agreement ?? 'A');
  const value = encodeWatermark({
    ministry: 'cand',
    agreementId: o.agreement ?? 'A',
    keyId: o.keyId ?? signer.keyId,
    run: o.run ?? 'r1',
    atUs: (o.atMs ?? clock) * 1000,
    intervalMs: 1000,
    sourceEpoch: '1',
    lastCommitUs: 0,
    partitions,
  });
  const [proof] = signBatch([watermarkDigest(o.topic ?? wt, value)], signer);
  return { topic: wt, value, headers: { [WATERMARK_HEADER]: encodeWatermarkProof(proof.signature, proof.path) } };
}

async function sample(name: string, labels: Record<string, string>): Promise<number> {
  const m = await metricsRegistry.getSingleMetric(name)!.get();
  return m.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
}

function watch(agreementId: string) {
  const seen = new Map<string, number>();
  const waiting = new Set<string>();
  const trusted = new Map([[key.keyId, key.publicKey]]);
  const verifier = new EventVerifier((id) => trusted.get(id), 64);
  const w = new WatermarkWatch({
    receiver: 'qdnd',
    provider: 'cand',
    agreementId,
    group: 'g',
    prefix: 'thahs',
    topics: [T],
    log: createLogger('wm-test', 'error'),
    verify: (d, p) => verifier.verify(d, p),
    keyAllowed: (id) => id === key.keyId,
    seen: (t, p, run) => seen.get(`${t}/${p}/${run}`) ?? 0,
    waiting: (t, p) => waiting.has(`${t}/${p}`),
    allowanceMs: 5000,
    now: () => clock,
  });
  w.retainOnly(new Set([`${T}/0`, `${T}/1`]));
  return { w, seen, waiting };
}

const gaps = (partition: number): Promise<number> => sample('thahs_apply_event_gaps_total', { agreement: 'A', partition: String(partition) });

describe('watermark watch', () => {
  it('alarms once the allowance has passed on numbers a watermark announced and that never came, naming their keys; not on numbers sent before it held the partition', async () => {
    const { w, seen } = watch('A');
    expect(w.receive(record([{ topic: T, partition: 0, seq: 4, tail: [[4, 'k4']] }]))).toBe('accepted'); // before this member: not looked for
    clock += 1000;
    w.receive(
      record([
        {
          topic: T,
          partition: 0,
          seq: 7,
          tail: [
            [5, 'k5'],
            [6, 'k6'],
            [7, 'k7'],
          ],
        },
      ]),
    );
    seen.set(`${T}/0/r1`, 5);
    clock += 4000;
    w.check();
    expect(await gaps(0)).toBe(0);
    clock += 2000;
    w.check();
    expect(await gaps(0)).toBe(2);
    clock += 10_000;
    w.check();
    expect(await gaps(0)).toBe(2); // once
  });

  it('raises nothing when the events arrive within the allowance, nor while events wait on the partition', async () => {
    const { w, seen, waiting } = watch('A');
    w.receive(record([{ topic: T, partition: 1, seq: 0, tail: [] }]));
    clock += 1000;
    w.receive(record([{ topic: T, partition: 1, seq: 3, tail: [] }]));
    waiting.add(`${T}/1`);
    clock += 20_000;
    w.check();
    seen.set(`${T}/1/r1`, 3);
    waiting.clear();
    w.check();
    expect(await gaps(1)).toBe(0);
  });

  it('expects every number of a new run, and ignores partitions it does not hold', async () => {
    const { w } = watch('A');
    w.receive(record([{ topic: T, partition: 1, seq: 9, tail: [] }]));
    clock += 1000;
    w.receive(
      record(
        [
          {
            topic: T,
            partition: 1,
            seq: 2,
            tail: [
              [1, 'n1'],
              [2, 'n2'],
            ],
          },
          { topic: T, partition: 5, seq: 50, tail: [] },
        ],
        { run: 'r2' },
      ),
    );
    clock += 6000;
    const before = await gaps(1);
    w.check();
    expect((await gaps(1)) - before).toBe(2);
    expect(await gaps(5)).toBe(0);
  });

  it('on a partition continued from the partner store’s record, looks for every number it does not cover, the first watermark’s too', async () => {
    const { w, seen } = watch('C');
    const cgaps = (): Promise<number> => sample('thahs_apply_event_gaps_total', { agreement: 'C', partition: '0' });
    // Restored by SequenceWatch: 5 of run r1 and 2 of an earlier run were committed before the restart.
    seen.set(`${T}/0/r1`, 5);
    seen.set(`${T}/0/r0`, 2);
    w.retainOnly(new Set([`${T}/0`, `${T}/1`]), new Set([`${T}/0`, `${T}/9`]));
    const wm = (run: string, seq: number, tail: [number, string][], partition = 0) => record([{ topic: T, partition, seq, tail }], { agreement: 'C', run });
    expect(w.receive(wm('r1', 6, [[6, 'k6']]))).toBe('accepted');
    clock += 1000;
    w.receive(wm('r0', 2, []));
    clock += 1000;
    w.receive(wm('r1', 6, [[6, 'k6']], 1)); // partition 1: not continued, its first watermark settles
    clock += 5000;
    w.check();
    expect(await cgaps()).toBe(1);
    expect(await sample('thahs_apply_event_gaps_total', { agreement: 'C', partition: '1' })).toBe(0);
    // Once the partition is handed over and back without a record, its first watermark settles again.
    w.retainOnly(new Set([`${T}/1`]));
    w.retainOnly(new Set([`${T}/0`, `${T}/1`]));
    clock += 1000;
    w.receive(wm('r1', 9, []));
    clock += 6000;
    w.check();
    expect(await cgaps()).toBe(1);
  });

  it('refuses forged, replayed, stale, foreign and unlisted watermarks, which neither announce nor quiet anything', async () => {
    const { w } = watch('F');
    const f = (p: number, o: Parameters<typeof record>[1] = {}) => record([{ topic: T, partition: p, seq: 100, tail: [] }], { agreement: 'F', ...o });
    const forged = f(0);
    forged.value = Buffer.from(forged.value.toString().replace('"seq":100', '"seq":101'));
    expect(w.receive(forged)).toBe('bad-signature');
    expect(w.receive(f(0, { signer: other }))).toBe('unknown-key');
    expect(w.receive({ ...f(0), headers: {} })).toBe('missing-proof');
    expect(w.receive({ ...f(0), value: Buffer.from('{}') })).toBe('malformed');
    expect(w.receive(f(0, { topic: 'thahs.cand.B._watermark' }))).toBe('bad-signature');
    expect(w.receive(f(0, { atMs: clock - 3_600_000 }))).toBe('stale');
    expect(w.receive(f(0, { atMs: clock + 3_600_000 }))).toBe('clock-skew');
    const ok = f(0);
    expect(w.receive(ok)).toBe('accepted');
    expect(w.receive(ok)).toBe('replayed');
    expect(await sample('thahs_apply_watermarks_total', { agreement: 'F', outcome: 'bad-signature' })).toBe(2);

    // Silence: only a valid watermark counts.
    clock += 8000;
    w.check();
    expect(await sample('thahs_apply_watermark_missing', { agreement: 'F' })).toBe(1);
    const forgedLater = f(1);
    forgedLater.value = Buffer.from(forgedLater.value.toString().replace('"seq":100', '"seq":7'));
    expect(w.receive(forgedLater)).toBe('bad-signature');
    w.check();
    expect(await sample('thahs_apply_watermark_missing', { agreement: 'F' })).toBe(1);
    expect(w.receive(f(1))).toBe('accepted');
    w.check();
    expect(await sample('thahs_apply_watermark_missing', { agreement: 'F' })).toBe(0);
    expect(await sample('thahs_apply_event_gaps_total', { agreement: 'F' })).toBe(0);
  });
});
