import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ForecastReport } from '../../../src/forecast/report';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { loadSnapshots } from '../../../src/salesforce';
import type { ScoreResult } from '../../../src/scoring';
import { ADMIN, canvases, num, runCommand, signedInPage, startPagesStack, type PagesStack } from './browser';

/**
 * The pages in headless Chromium against a sandbox org with a fixed seed: each loads with no console
 * error, draws its charts, and shows the numbers the matching command prints for the same data.
 */

let stack: PagesStack;
let forecast: ForecastReport;
let asOfIso: string;

beforeAll(async () => {
  stack = await startPagesStack(20261201, 300);
  asOfIso = new Date(stack.asOf).toISOString();
  forecast = JSON.parse(await runCommand(stack, ['forecast', '--format', 'json', '--as-of', asOfIso]));
}, 120_000);
afterAll(() => stack?.close());

async function expectChartsDrawn(page: import('playwright-core').Page, ids: string[]): Promise<void> {
  // Charts draw once the script has run; poll rather than wait a fixed time.
  await page.waitForFunction(
    `document.querySelectorAll('canvas[data-drawn="true"]').length >= ${ids.length}`,
    undefined,
    { timeout: 20_000 },
  );
  const states = await canvases(page);
  expect(states.map((s) => s.id).sort()).toEqual([...ids].sort());
  for (const s of states) expect(s.painted).toBeGreaterThan(100);
}

describe('the pages in a browser', () => {
  it('has open deals in the period to show', () => {
    expect(forecast.totals.count).toBeGreaterThan(10);
    expect(forecast.largestGaps.length).toBeGreaterThan(5);
  });

  it('/forecast: no console error, both charts drawn, and the numbers `forecast --format json` prints', async () => {
    const { page, context, consoleErrors } = await signedInPage(stack);
    const res = await page.goto(`${stack.base}/forecast`);
    expect(res?.status()).toBe(200);
    await expectChartsDrawn(page, ['chart-groups', 'chart-flags']);

    const t = forecast.totals;
    for (const key of ['count', 'amount', 'stageWeighted', 'adjusted', 'gap'] as const)
      expect(num(await page.locator(`[data-total="${key}"]`).textContent())).toBe(t[key]);

    const rows = page.locator('#groups tbody tr[data-group]');
    expect(await rows.count()).toBe(forecast.groups.length);
    for (let i = 0; i < forecast.groups.length; i++) {
      const g = forecast.groups[i];
      const cells = await rows.nth(i).locator('td').allTextContents();
      expect([cells[0], ...cells.slice(1).map(num)]).toEqual([
        g.label,
        g.count,
        g.amount,
        g.stageWeighted,
        g.adjusted,
        g.gap,
      ]);
    }
    const gaps = page.locator('#gaps tbody tr');
    expect(await gaps.count()).toBe(forecast.largestGaps.length);
    for (let i = 0; i < forecast.largestGaps.length; i++) {
      const d = forecast.largestGaps[i];
      const cells = await gaps.nth(i).locator('td').allTextContents();
      expect(await gaps.nth(i).getAttribute('data-deal')).toBe(d.id);
      expect(cells.slice(3, 7).map(num)).toEqual([
        d.amount,
        d.stageProbability,
        d.adjustedProbability,
        d.gap,
      ]);
      expect(cells[7]).toBe(d.topFlag ? `${d.topFlag.code} ${d.topFlag.message}` : '');
    }
    expect(await page.locator('#calibration').textContent()).toBe(
      'Adjusted probabilities: rules only, not calibrated.',
    );
    expect(await page.locator('#no-backtest').count()).toBe(1);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('/forecast?by=stage shows the stage rows `forecast --by stage` prints', async () => {
    const byStage: ForecastReport = JSON.parse(
      await runCommand(stack, ['forecast', '--by', 'stage', '--format', 'json', '--as-of', asOfIso]),
    );
    const { page, context, consoleErrors } = await signedInPage(stack);
    await page.goto(`${stack.base}/forecast?by=stage&period=${encodeURIComponent(byStage.period.label)}`);
    await expectChartsDrawn(page, ['chart-groups', 'chart-flags']);
    const labels = await page.locator('#groups tbody tr[data-group] td:first-child').allTextContents();
    expect(labels).toEqual(byStage.groups.map((g) => g.label));
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('/: the deals with the largest gap, as the forecast lists them, with its chart drawn', async () => {
    const { page, context, consoleErrors } = await signedInPage(stack);
    // The sign-in link redirects here.
    expect(new URL(page.url()).pathname).toBe('/');
    await expectChartsDrawn(page, ['chart-gaps']);
    const rows = page.locator('#gaps tbody tr');
    expect(await rows.count()).toBe(forecast.largestGaps.length);
    for (let i = 0; i < forecast.largestGaps.length; i++) {
      const d = forecast.largestGaps[i];
      expect(await rows.nth(i).getAttribute('data-deal')).toBe(d.id);
      expect(await rows.nth(i).locator('a').getAttribute('href')).toBe(`/deals/${d.id}`);
      expect(num(await rows.nth(i).locator('td').nth(6).textContent())).toBe(d.gap);
    }
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('/deals/:id: the dance and probability charts drawn, and the numbers `score --file` prints for its snapshot', async () => {
    const id = forecast.largestGaps[0].id;
    const { snapshots } = await loadSnapshots(stack.conn, [id], loadRulebookFile().fields);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pages-')), 'deal.json');
    writeFileSync(file, JSON.stringify(snapshots.get(id)));
    const scored: ScoreResult = JSON.parse(
      await runCommand(stack, ['score', '--file', file, '--as-of', asOfIso]),
    );

    const { page, context, consoleErrors } = await signedInPage(stack);
    await page.locator('#gaps tbody tr a').first().click();
    await page.waitForURL(`**/deals/${id}`);
    await expectChartsDrawn(page, ['chart-dance', 'chart-probability']);
    expect(num(await page.locator('#stage-probability').textContent())).toBe(scored.baseProbability);
    expect(num(await page.locator('#adjusted-probability').textContent())).toBe(scored.adjustedProbability);
    expect(num(await page.locator('#commitment-score').textContent())).toBe(scored.commitmentScore);
    const flags = await page.locator('#flags tr').allTextContents();
    expect(flags).toEqual(scored.flags.map((f) => `${f.code}${f.message}`));
    expect(await page.locator('#moves tr[data-move]').count()).toBe(scored.flags.length);
    expect(await page.locator('#reason-to-act li').count()).toBe(4);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('refuses every page without a token or session (401)', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    for (const p of ['/', '/forecast', `/deals/${forecast.largestGaps[0].id}`]) {
      const res = await page.goto(`${stack.base}${p}`);
      expect(res?.status()).toBe(401);
    }
    await context.close();
  });

  it('never puts a token in a URL, and the sign-in URL is spent once used', async () => {
    const { page, context, urls, login } = await signedInPage(stack);
    await page.goto(`${stack.base}/forecast`);
    const session = (await context.cookies()).find((c) => c.name === 'cs_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    expect(page.url()).not.toContain('code=');
    for (const url of urls) {
      expect(url).not.toContain(ADMIN);
      expect(url).not.toContain(session!.value);
    }
    // The only URL that carried a code is the sign-in link, and it opens nothing a second time.
    expect(urls.filter((u) => u.includes('code='))).toEqual([login]);
    const other = await stack.browser.newContext();
    const again = await (await other.newPage()).goto(login);
    expect(again?.status()).toBe(401);
    expect(stack.logLines.join('')).not.toContain(new URL(login).searchParams.get('code'));
    await other.close();
    await context.close();
  });
});
