import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Connection } from 'jsforce';
import { buildProgram } from '../../../src/cli';
import { createApp } from '../../../src/http/app';
import { createMetrics } from '../../../src/http/metrics';
import { createPageAuth, type PageAuth } from '../../../src/http/pages/page-auth';
import { createPageData } from '../../../src/http/pages/page-data';
import { createPagesRouter } from '../../../src/http/pages/router';
import { createLogger } from '../../../src/lib/logger';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { connect } from '../sandbox/helpers';

/**
 * The pages served against a sandbox org with a fixed seed and a fixed "now", the headless
 * Chromium that opens them, and the `commitment-scorer` command run in this process against the same
 * org, so a test can set what a page shows beside what the command prints.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];
export const ADMIN = 'an-admin-token-for-the-browser-tests';

export interface PagesStack {
  sandbox: Sandbox;
  conn: Connection;
  base: string;
  auth: PageAuth;
  asOf: number;
  browser: Browser;
  logLines: string[];
  close(): Promise<void>;
}

export async function startPagesStack(seed: number, deals: number): Promise<PagesStack> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const sandbox = await startSandbox({ deals, seed });
  const conn = connect(sandbox);
  const asOf = sandbox.clock.now();
  const rulebook = loadRulebookFile();
  const logLines: string[] = [];
  const logger = createLogger({
    destination: {
      write: (line: string) => {
        logLines.push(line);
        return true;
      },
    } as unknown as NodeJS.WritableStream,
  });
  const auth = createPageAuth({ tokens: [ADMIN], now: () => asOf });
  const pages = createPagesRouter({
    auth,
    adminToken: ADMIN,
    logger,
    ...createPageData({ connection: () => conn, rulebook: () => rulebook, now: () => asOf, logger }),
  });
  const app = createApp({
    logger,
    metrics: createMetrics(),
    rulebook: () => rulebook,
    now: () => asOf,
    notReadyReason: async () => undefined,
    adminToken: ADMIN,
    pages,
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    sandbox,
    conn,
    base,
    auth,
    asOf,
    browser,
    logLines,
    close: async () => {
      await browser.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await sandbox.close();
    },
  };
}

/** Runs `commitment-scorer ARGS` in this process against the stack's org; returns what it printed. */
export async function runCommand(stack: PagesStack, args: string[]): Promise<string> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    SF_INSTANCE_URL: stack.sandbox.instanceUrl,
    SF_ACCESS_TOKEN: stack.sandbox.accessToken,
    RULES_FILE: '',
    SF_ORG: '',
    LOG_LEVEL: 'silent',
  });
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const errors: string[] = [];
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => errors.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    await buildProgram().parseAsync(['node', 'commitment-scorer', ...args]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    process.env = saved;
  }
  if (process.exitCode) {
    process.exitCode = 0;
    throw new Error(`commitment-scorer ${args.join(' ')} failed: ${errors.join('')}`);
  }
  return out.join('');
}

/** A signed-in page (through a one-time link) that records console errors and every URL requested. */
export async function signedInPage(stack: PagesStack) {
  const context = await stack.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const urls: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => urls.push(r.url()));
  const login = `${stack.base}${stack.auth.issueLoginPath()}`;
  await page.goto(login);
  return { page, context, consoleErrors, urls, login };
}

export interface CanvasState {
  id: string;
  painted: number;
  drawn: string | null;
}

/** Each canvas and how many of its pixels are not transparent. */
export async function canvases(page: Page): Promise<CanvasState[]> {
  // A string, because the test's TypeScript has no DOM types; it runs in the page.
  return page.evaluate<CanvasState[]>(`[...document.querySelectorAll('canvas')].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) painted++;
    return { id: c.id, painted, drawn: c.getAttribute('data-drawn') };
  })`);
}

/** `1,234,567` or `70 %` or `−` as a number. */
export function num(text: string | null): number {
  return Number((text ?? '').replace(/[,\s%]/g, '').replace('−', '-'));
}
