import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Connection } from 'jsforce';
import { orgAuthFrom, parseEnv, type Env } from '../config/env';
import { orgBacktest, parseDiffBacktest } from '../forecast/diff-backtest';
import { forecastCsv, forecastTable, rulesDiffTable } from '../forecast/format';
import { currentPeriod, parsePeriod } from '../forecast/period';
import { GROUP_BY } from '../forecast/report';
import { runForecast, runRulesDiff } from '../forecast/run';
import { renderForecastPage } from '../http/pages/render-forecast';
import { ScorerError } from '../lib/errors';
import { createLogger, type Logger } from '../lib/logger';
import { connectTo } from '../main';
import { DEFAULT_RULEBOOK_FILE, loadRulebookFile } from '../rules/load-rulebook';
import { createConnection } from '../salesforce';
import { startSandbox } from '../sandbox';
import { parseAsOf } from '../scoring';
import { createProgress } from './progress';
import { configuredOrg } from './service-commands';

/** `forecast` and `rules diff`: read-only reports over the open deals of the configured org (or a sandbox). */

const FORECAST_FORMATS = ['table', 'csv', 'json', 'html'] as const;
const DIFF_FORMATS = ['table', 'json'] as const;

interface DiffFlags {
  format: string;
  top: string;
  from?: string;
  to?: string;
  horizon: string;
}

interface OrgOptions {
  sandbox?: boolean;
  deals?: string;
  seed?: string;
  asOf?: string;
}

export function addForecastCommands(
  program: Command,
  run: (action: () => Promise<void> | void) => Promise<void>,
): void {
  program
    .command('forecast')
    .description('Stage-weighted against commitment-adjusted pipeline of the open deals closing in a period')
    .option(
      '--period <period>',
      'fiscal quarter (2026-Q4), fiscal year (2026) or all; default: the current quarter',
    )
    .option('--by <group>', 'owner, stage or flag', 'owner')
    .option('--format <format>', 'table, csv, json or html', 'table')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--top <n>', 'how many largest-gap deals to list', '20')
    .option('--as-of <iso>', 'score as of this moment (default: now)')
    .option('--sandbox', 'run against a built-in sandbox org instead of the configured one')
    .option('--deals <n>', 'with --sandbox: how many deals it generates', '300')
    .option('--seed <n>', 'with --sandbox: the generator seed', '42')
    .action((opts: OrgOptions & { period?: string; by: string; format: string; out?: string; top: string }) =>
      run(async () => {
        const format = oneOf('--format', opts.format, FORECAST_FORMATS);
        const by = oneOf('--by', opts.by, GROUP_BY);
        const top = wholeNumber('--top', opts.top, 0, 1000);
        const env = parseEnv();
        const rulebook = loadRulebookFile(env.RULES_FILE ?? DEFAULT_RULEBOOK_FILE);
        const asOf = opts.asOf === undefined ? Date.now() : parseAsOf(opts.asOf);
        const period =
          opts.period === undefined
            ? currentPeriod(asOf, rulebook.fiscalYearStartMonth)
            : parsePeriod(opts.period, rulebook.fiscalYearStartMonth);
        const logger = createLogger({ level: env.LOG_LEVEL, destination: process.stderr });
        const report = await withOrg(env, opts, logger, async (conn) => {
          const progress = createProgress({ stream: process.stderr, unit: 'deals' });
          const r = await runForecast(conn, rulebook, {
            period,
            by,
            asOf,
            top,
            logger,
            onProgress: (p) => progress.update(p),
          });
          progress.finish();
          return r;
        });
        const text =
          format === 'json'
            ? `${JSON.stringify(report, null, 2)}\n`
            : format === 'csv'
              ? forecastCsv(report)
              : format === 'html'
                ? renderForecastPage(report, { assets: { kind: 'inline' } })
                : forecastTable(report);
        emit(text, opts.out);
      }),
    );

  const rules = program.commands.find((c) => c.name() === 'rules');
  if (!rules) throw new Error('the rules command must be added before rules diff');
  rules
    .command('diff')
    .description('How a rulebook change would move flags and adjusted probabilities on the open deals')
    .argument('<old>', 'the rulebook in use (YAML)')
    .argument('<new>', 'the proposed rulebook (YAML)')
    .option('--format <format>', 'table or json', 'table')
    .option('--top <n>', 'how many deals that move most to list', '20')
    .option('--as-of <iso>', 'score as of this moment (default: now)')
    .option(
      '--from <date>',
      'backtest on closed deals from this CloseDate (default: 12 months before --as-of)',
    )
    .option('--to <date>', 'backtest on closed deals up to this CloseDate (default: the day of --as-of)')
    .option('--horizon <days>', 'backtest the deals as they were this many days before their close', '30')
    .option('--sandbox', 'run against a built-in sandbox org instead of the configured one')
    .option('--deals <n>', 'with --sandbox: how many deals it generates', '300')
    .option('--seed <n>', 'with --sandbox: the generator seed', '42')
    .action((oldFile: string, newFile: string, opts: OrgOptions & DiffFlags) =>
      run(async () => {
        const format = oneOf('--format', opts.format, DIFF_FORMATS);
        const top = wholeNumber('--top', opts.top, 0, 1000);
        const before = loadRulebookFile(oldFile);
        const after = loadRulebookFile(newFile);
        const env = parseEnv();
        const asOf = opts.asOf === undefined ? Date.now() : parseAsOf(opts.asOf);
        const { range, horizonDays } = parseDiffBacktest(opts, asOf);
        const logger = createLogger({ level: env.LOG_LEVEL, destination: process.stderr });
        const report = await withOrg(env, opts, logger, async (conn) => {
          const progress = createProgress({ stream: process.stderr, unit: 'deals' });
          const r = await runRulesDiff(
            conn,
            { before, after },
            {
              asOf,
              top,
              logger,
              onProgress: (p) => progress.update(p),
              backtest: async (b, a) => {
                progress.finish();
                const closed = createProgress({ stream: process.stderr, unit: 'closed deals' });
                // The org's now, not --as-of: the activity window is counted back from the server's today.
                const figures = await orgBacktest(conn, {
                  range,
                  horizonDays,
                  now: Date.now(),
                  onProgress: (p) => closed.update(p),
                })(b, a);
                closed.finish();
                return figures;
              },
            },
          );
          return r;
        });
        process.stdout.write(
          format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : rulesDiffTable(report),
        );
      }),
    );
}

/** The configured org, or with --sandbox an in-process sandbox org closed once the work is done. */
async function withOrg<T>(
  env: Env,
  opts: OrgOptions,
  logger: Logger,
  work: (conn: Connection) => Promise<T>,
): Promise<T> {
  if (!opts.sandbox) {
    if (orgAuthFrom(env).kind === 'sandbox')
      throw new ScorerError(
        'CONFIG_INVALID',
        'No org is configured: set SF_ORG, or SF_CLIENT_ID + SF_USERNAME + SF_JWT_KEY_FILE, or SF_INSTANCE_URL + SF_ACCESS_TOKEN; or pass --sandbox to run against a built-in sandbox org',
      );
    return work(connectTo(env, await configuredOrg(env, logger)));
  }
  const sandbox = await startSandbox({
    port: 0,
    deals: wholeNumber('--deals', opts.deals ?? '300', 1, 200_000),
    seed: wholeNumber('--seed', opts.seed ?? '42', 0, 2 ** 31),
    logger: logger.child({ component: 'sandbox' }, { level: 'warn' }),
  });
  try {
    return await work(
      createConnection({
        instanceUrl: sandbox.instanceUrl,
        accessToken: sandbox.accessToken,
        apiVersion: env.SF_API_VERSION,
        clientId: env.SCORER_CLIENT_ID,
      }),
    );
  } finally {
    await sandbox.close();
  }
}

function emit(text: string, out: string | undefined): void {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(out, text);
  } catch (err) {
    throw new ScorerError('INPUT_UNREADABLE', `Cannot write ${out}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  process.stderr.write(`Wrote ${out}\n`);
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ScorerError('USAGE', `${flag} "${value}" is not one of ${allowed.join(', ')}`);
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new ScorerError('USAGE', `${flag} "${value}" must be a whole number from ${min} to ${max}`);
  return n;
}
