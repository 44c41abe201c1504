import { parseEnv, type Env } from '../config/env';
import type { Logger } from '../lib/logger';
import { connectTo } from '../main';
import { preflight } from '../pipeline/preflight';
import { describeSwitchedOff } from '../rules/org-check';
import type { Rulebook } from '../rules/load-rulebook';
import { configuredOrg } from './service-commands';

/**
 * `rules check FILE --org`: the checks `serve` and `sweep` run at start, before a rulebook goes live.
 * Throws ORG_SHAPE_INVALID (exit 1) listing every problem with its fix; otherwise returns the lines to
 * print, including what would run switched off on this org.
 */
export async function checkRulebookOnOrg(
  file: string,
  rulebook: Rulebook,
  env: Env = parseEnv(),
  logger?: Logger,
): Promise<string[]> {
  const org = await configuredOrg(env, logger);
  const fitted = (await preflight(connectTo(env, org), rulebook)).rulebook;
  const off = fitted.switchedOff ?? [];
  return [
    `${file}: valid, and ${org.describe()} has every field it writes and every flag code (version ${rulebook.version}, ${fitted.flags.length} of ${rulebook.flags.length} flags on)`,
    ...off.map((s) => `  off: ${describeSwitchedOff(s)}`),
  ];
}
