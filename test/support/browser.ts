import * as fs from 'fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureDebianPackage } from '../../libs/stack/prerequisites';

/** Debian's Chromium; playwright-core never downloads a browser of its own. */
export const CHROMIUM = process.env.THAHS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Makes sure Debian's Chromium is installed (as root it installs the package, as the stack manager
 * does for its servers) and returns its path; throws with the command to run otherwise.
 */
export function ensureChromium(): string {
  const ok = ensureDebianPackage(
    'chromium',
    () => fs.existsSync(CHROMIUM),
    (line) => process.stderr.write(`[browser] ${line}\n`),
    'browser tests of the HTML report and the status page',
  );
  if (!ok) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium`);
  return CHROMIUM;
}

/** A page opened in headless Chromium, with every console error and page error it produced. */
export interface BrowserPage {
  page: Page;
  /** Console messages of type error and uncaught page errors, in order. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with the flags this closed network needs (no background networking, no
 * component updates: they would try to reach outside hosts).
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = ensureChromium();
  // playwright-core gives every launch a fresh temporary profile of its own.
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens `url` (http://… or file://…) and waits until the network is idle. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 900 }): Promise<BrowserPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'networkidle' });
  return { page, errors, close: () => context.close() };
}
