import type { Server } from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../libs/config';
import { metricsRegistry, startHttpEndpoint } from '../../libs/metrics';
import { localMainJob } from '../../libs/ops';
import { statusOptionsFromConfig } from '../../libs/status';
import { launchBrowser, openPage } from '../support/browser';
import { waitFor } from '../support/waitFor';
import { startOpsFixture, type OpsFixture } from './support/opsFixture';

/**
 * The status page the main job serves (/status on its metrics port), in Debian's headless Chromium:
 * it loads, shows the consumer lag a test created, refreshes by itself when the lag changes, draws its
 * charts, asks nothing of any other server, shows no dead letter's detail, and logs no console error.
 */
describe('status page', () => {
  let fx: OpsFixture;
  let server: Server;
  let browser: Browser;
  let base: string;
  const SECRET_DETAIL = 'Nguyễn Văn Bảo Mật 079123456789';
  const SCREENSHOT = path.join(os.tmpdir(), 'thahs-status-page.png');

  beforeAll(async () => {
    fx = await startOpsFixture('page');
    await fx.produce('person', 5);
    await fx.deadLetter('person', 'undecodable', `value does not decode: ${SECRET_DETAIL}`, [1]);
    const health = async () => ({ healthy: true, detail: { 'apply-consumers-qdnd': 'up' } as Record<string, unknown> });
    const options = statusOptionsFromConfig(loadConfig(fx.env()), {
      topicPrefix: fx.prefix,
      mainJob: localMainJob(() => metricsRegistry.metrics(), health),
      mainJobEndpoint: 'this test process',
    });
    server = await startHttpEndpoint(0, health, '127.0.0.1', options);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await fx?.stop();
  });

  it('shows the lag, refreshes by itself, draws its charts, and has no console error', async () => {
    const requests: string[] = [];
    const p = await openPage(browser, `${base}/status`);
    p.page.on('request', (r) => requests.push(r.url()));
    // Page-side code as text: the test project's TypeScript has no DOM types.
    const rowText = (label: string): Promise<string | undefined> =>
      p.page.evaluate<string | undefined>(`[...document.querySelectorAll('tr')].map((tr) => tr.innerText).find((t) => t.startsWith(${JSON.stringify(label)}))`);

    expect(await p.page.title()).toBe('Trạng thái trao đổi dữ liệu THAHS');
    expect(await rowText('Độ trễ tiêu thụ')).toMatch(/^Độ trễ tiêu thụ\s+5$/);
    expect(await rowText('Sự kiện lỗi chờ xử lý')).toMatch(/1 \(undecodable 1\)/);
    const body = await p.page.evaluate<string>('document.body.innerText');
    expect(body).toContain(fx.agreementId);
    expect(body).toContain('Bộ Quốc phòng (qdnd)');
    expect(body).toContain('NGHIÊM TRỌNG');
    expect(body).not.toContain(SECRET_DETAIL);

    // The page asks /status.json again every 5 s and redraws: new events raise the lag it shows.
    await fx.produce('person', 3);
    await waitFor('the page to show the new lag', async () => (await rowText('Độ trễ tiêu thụ'))?.endsWith('8'), 30_000, 500);
    // Two gatherings at least 4 s apart: the charts have lines now.
    await waitFor('the lag chart to draw', () => p.page.evaluate<boolean>("document.querySelectorAll('svg polyline').length >= 2"), 30_000, 500);

    await p.page.screenshot({ path: SCREENSHOT, fullPage: true });
    process.stderr.write(`status page screenshot: ${SCREENSHOT}\n`);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:'))).toEqual([]);
    expect(p.errors).toEqual([]);
    await p.close();
  });

  it('answers /status.json with the same model, and keeps /metrics and /health', async () => {
    const doc = (await (await fetch(`${base}/status.json`)).json()) as {
      status: { ministries: { ministry: string; agreements: { consumer?: { totalLag: number } }[] }[] };
      history: unknown[];
    };
    const qdnd = doc.status.ministries.find((m) => m.ministry === 'qdnd')!;
    expect(qdnd.agreements[0].consumer!.totalLag).toBe(8);
    expect(doc.history.length).toBeGreaterThanOrEqual(2);
    const page = await fetch(`${base}/status`);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'nonce-/);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('thahs_process_cpu_seconds_total');
  });
});
