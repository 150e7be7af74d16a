import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { seedDatabase } from '../../libs/datagen';
import { createLogger } from '../../libs/logger';
import { repoRoot } from '../../libs/config/repoRoot';
import { ReconcilerService } from '../../services/reconciler/reconcilerService';
import { launchBrowser, openPage } from '../support/browser';
import { contracts, createPair, type ReconcilePair } from './reconcileFixture';

/**
 * The evaluation report (Art. 5) opened in headless Chromium (Debian's package): it renders, its charts
 * draw (SVG with bars and lines of non-zero size), its Vietnamese labels show, it logs no error, it
 * prints to PDF, and it holds neither a row value nor a key. The data: a seeded cand database shared
 * under the cand → qdnd agreement, a few differences, and a month of operations in the receiver's logs
 * (update log, dead letters, declared and undeclared reads).
 *
 * THAHS_WRITE_SAMPLE_REPORT=1 also writes the report to docs/reconciliation/sample-report.html.
 */
jest.setTimeout(300_000);

const DAY_MS = 86_400_000;

/** What the page's SVG shapes answer (the DOM types are not in this project's lib). */
interface SvgShape {
  getBBox(): { width: number; height: number };
}

describe('evaluation report in a real browser', () => {
  let pair: ReconcilePair;
  let browser: Browser;
  let html: string;
  let file: string;
  let keys: string[];
  let names: string[];

  beforeAll(async () => {
    pair = await createPair('report');
    await seedDatabase({ url: pair.provider.url, ministry: 'cand', persons: 400, seed: 21, migrate: false });
    await pair.src.query(`UPDATE thahs.person SET is_military = true, military_rank = 'Thượng úy' WHERE abs(hashtext(id::text)) % 3 = 0 AND sex = 'M'`);
    await pair.converge();
    await pair.storeHistory();
    // A few differences: corrupted, removed and invented partner rows.
    const changed = await pair.dst.query<{ id: string }>(
      `UPDATE partner_cand.person SET military_rank = 'Đại tá' WHERE id IN (SELECT id FROM partner_cand.person ORDER BY id LIMIT 3) RETURNING id::text AS id`,
    );
    const removed = await pair.dst.query<{ id: string }>(
      `DELETE FROM partner_cand.enforcement_case WHERE id IN (SELECT id FROM partner_cand.enforcement_case ORDER BY id DESC LIMIT 2) RETURNING id::text AS id`,
    );
    const dated = await pair.dst.query<{ id: string }>(
      `UPDATE partner_cand.judgment SET effective_date = effective_date + 3 WHERE id IN (SELECT id FROM partner_cand.judgment ORDER BY id LIMIT 4) RETURNING id::text AS id`,
    );
    keys = [...changed.rows, ...removed.rows, ...dated.rows].map((r) => r.id);
    names = (await pair.src.query<{ n: string }>(`SELECT full_name AS n FROM thahs.person WHERE is_military LIMIT 20`)).rows.map((r) => r.n);
    // A month of operations: changes applied with a lag that grows on busy days, a few dead letters,
    // reads declared by the project's tools and reads pgaudit found.
    const now = Date.now();
    await pair.dst.query(
      `INSERT INTO partner_state.update_log (provider, entity, key_id, op, action, event_id, source_lsn, source_index, commit_ts, agreement_id, agreement_version, signed_by, applied_at)
       SELECT 'cand', (ARRAY['person', 'enforcement_case', 'judgment'])[1 + g % 3], gen_random_uuid(), (ARRAY['c', 'u', 'u', 'd'])[1 + g % 4],
              CASE WHEN g % 4 = 3 THEN 'delete' ELSE 'upsert' END, 'cand:0/' || g || ':0', ('0/' || to_hex(16 + g))::pg_lsn, 0,
              t - (0.2 + (g % 17) * 0.05 + CASE WHEN extract(dow FROM t) IN (1, 4) THEN 2.5 ELSE 0 END) * interval '1 second', $1, 1, 'cand-c10-2025', t
         FROM generate_series(1, 3000) g, LATERAL (SELECT to_timestamp(($2::float8 - (g % 30)::float8 * ${DAY_MS} - (g % 97)::float8 * 60000) / 1000) AS t) x`,
      [pair.doc.id, now],
    );
    await pair.dst.query(
      `INSERT INTO partner_state.dead_letter (at, receiver, provider, agreement_id, consumer_group, reason, detail, topic, kafka_partition, kafka_offset, headers)
       SELECT to_timestamp(($2::float8 - (g % 25)::float8 * ${DAY_MS}) / 1000), 'qdnd', 'cand', $1, 'thahs-apply-test', (ARRAY['policy-violation', 'bad-signature', 'wrong-schema'])[1 + g % 3 + (g % 2) * 0],
              'test', 'thahs.cand.test.person', 0, g, '{}'::jsonb
         FROM generate_series(1, 7) g`,
      [pair.doc.id, now],
    );
    await pair.dst.query(
      `INSERT INTO partner_state.access_log (at, who, what, purpose, source, audit_ref)
       SELECT to_timestamp(($1::float8 - (g % 30)::float8 * ${DAY_MS}) / 1000),
              CASE WHEN g % 9 = 0 THEN 'analyst_x' ELSE 'qdnd.cuc-dths/can-bo-' || (g % 3) END,
              CASE WHEN g % 9 = 0 THEN 'partner_cand.person SELECT' ELSE (ARRAY['partner_cand.person', 'partner_cand.enforcement_case'])[1 + g % 2] END,
              CASE WHEN g % 9 = 0 THEN 'UNDECLARED_DIRECT_READ' ELSE (ARRAY['ENFORCEMENT_SUPERVISION', 'STATISTICS'])[1 + g % 2] END,
              CASE WHEN g % 9 = 0 THEN 'pgaudit' ELSE 'tool' END,
              CASE WHEN g % 9 = 0 THEN 'test-audit-' || g END
         FROM generate_series(1, 120) g`,
      [now],
    );
    const service = new ReconcilerService({
      databases: { cand: pair.provider.url, qdnd: pair.receiver.url },
      contracts,
      log: createLogger('report-test', 'error'),
      compare: { blockRows: 256, segmentRows: 32, splitFactor: 8, fetchRows: 64 },
    });
    const run = await service.run({ agreementId: pair.doc.id, startedBy: 'Cục Điều tra hình sự — cán bộ kiểm tra' });
    expect(run.status).toBe('differences');
    html = await service.htmlReport(pair.doc.id, run.id, { from: new Date(now - 31 * DAY_MS).toISOString(), to: new Date(now + 60_000).toISOString() });
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-report-')), 'report.html');
    fs.writeFileSync(file, html);
    if (process.env.THAHS_WRITE_SAMPLE_REPORT === '1') {
      const sample = path.join(repoRoot(), 'docs/reconciliation/sample-report.html');
      fs.mkdirSync(path.dirname(sample), { recursive: true });
      fs.writeFileSync(sample, html);
    }
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pair?.close();
  });

  it('renders with its Vietnamese labels, draws its charts and logs no error', async () => {
    const p = await openPage(browser, `file://${file}`);
    try {
      expect(await p.page.title()).toContain('Báo cáo đối soát');
      const text = await p.page.locator('body').innerText();
      for (const label of [
        'Báo cáo đối soát, đánh giá tính toàn vẹn dữ liệu trao đổi',
        'Kết quả đối soát theo thực thể',
        'Thiếu ở kho tiếp nhận',
        'Thừa ở kho tiếp nhận',
        'Khác nội dung',
        'Các trường dữ liệu có sai lệch',
        'Cấp bậc quân hàm',
        'Độ trễ đồng bộ theo ngày',
        'Bản ghi lỗi không áp dụng được',
        'Truy cập trực tiếp không khai báo',
        'Thống kê theo đơn vị báo cáo (Điều 18)',
        'Người chấp hành án',
      ]) {
        expect(text).toContain(label);
      }
      const charts = await p.page.locator('svg.chart').all();
      expect(charts.length).toBeGreaterThanOrEqual(7);
      for (const c of charts) {
        const box = await c.boundingBox();
        expect(box && box.width > 100 && box.height > 20).toBe(true);
      }
      const bars = await p.page.locator('svg.chart rect.bar').evaluateAll((els) => els.map((e) => (e as unknown as SvgShape).getBBox().width).filter((w) => w > 0).length);
      expect(bars).toBeGreaterThan(20);
      const lines = await p.page
        .locator('svg.chart polyline.line')
        .evaluateAll((els) => els.map((e) => (e as unknown as SvgShape).getBBox()).filter((b) => b.width > 0 && b.height > 0).length);
      expect(lines).toBeGreaterThanOrEqual(3);
      await p.page.screenshot({ path: path.join(path.dirname(file), 'report.png'), fullPage: true });
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('prints to PDF (A4) with the print stylesheet', async () => {
    const p = await openPage(browser, `file://${file}`);
    try {
      await p.page.emulateMedia({ media: 'print' });
      await p.page.screenshot({ path: path.join(path.dirname(file), 'report-print.png'), fullPage: true });
      const pdf = await p.page.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(pages).toBeLessThanOrEqual(12);
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('holds no row value and no key: counts, field names and reporting-unit names only', () => {
    expect(keys.length).toBe(9);
    for (const k of keys) expect(html).not.toContain(k);
    for (const n of names) expect(html).not.toContain(n);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
