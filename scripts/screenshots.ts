/**
 * Saves the README's screenshots of the pages: the service's pages against a sandbox org with a fixed
 * seed, opened in headless Chromium through a one-time sign-in link, as a user would.
 *
 * Usage: npx tsx scripts/screenshots.ts   (writes scripts/screenshots/{home,forecast,deal}.png)
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { createApp } from '../src/http/app';
import { createMetrics } from '../src/http/metrics';
import { createPageAuth } from '../src/http/pages/page-auth';
import { createPageData } from '../src/http/pages/page-data';
import { createPagesRouter } from '../src/http/pages/router';
import { createLogger } from '../src/lib/logger';
import { loadRulebookFile } from '../src/rules/load-rulebook';
import { createConnection } from '../src/salesforce';
import { startSandbox } from '../src/sandbox';

const OUT = path.join(__dirname, 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function main(): Promise<void> {
  const logger = createLogger({ level: 'warn' });
  const sandbox = await startSandbox({ deals: 300, seed: 42, logger });
  const conn = createConnection({
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.accessToken,
    apiVersion: '62.0',
    clientId: 'commitment-scorer',
  });
  const rulebook = loadRulebookFile();
  const now = () => sandbox.clock.now();
  const auth = createPageAuth({ tokens: [], now });
  const pages = createPagesRouter({
    auth,
    adminToken: undefined,
    logger,
    ...createPageData({ connection: () => conn, rulebook: () => rulebook, now, logger }),
  });
  const app = createApp({
    logger,
    metrics: createMetrics(),
    rulebook: () => rulebook,
    now,
    notReadyReason: async () => undefined,
    adminToken: undefined,
    pages,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${base}${auth.issueLoginPath()}`);
    const drawn = async (n: number) =>
      page.waitForFunction(`document.querySelectorAll('canvas[data-drawn="true"]').length >= ${n}`);
    await drawn(1);
    await page.screenshot({ path: path.join(OUT, 'home.png'), fullPage: true });
    await page.goto(`${base}/forecast`);
    await drawn(2);
    await page.screenshot({ path: path.join(OUT, 'forecast.png'), fullPage: true });
    // The deal with the largest gap that carries at least two flags: a review with something to say.
    const rows = page.locator('#gaps tbody tr');
    let href: string | null = null;
    for (let i = 0; i < (await rows.count()) && href === null; i++) {
      const flagged = await page.goto(`${base}${await rows.nth(i).locator('a').getAttribute('href')}`);
      if (flagged && (await page.locator('#flags tr').count()) >= 2) href = page.url();
      else await page.goto(`${base}/forecast`);
    }
    await drawn(2);
    await page.screenshot({ path: path.join(OUT, 'deal.png'), fullPage: true });
    process.stdout.write(`Saved home.png, forecast.png and deal.png in ${OUT}\n`);
  } finally {
    await browser.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await sandbox.close();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
