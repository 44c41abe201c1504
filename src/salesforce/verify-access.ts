import type { Connection } from 'jsforce';
import { ScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { withDeadline } from '../lib/deadline';
import { orgError } from './org-errors';

/**
 * One REST call at start (the org's limits, which every API user may read) to learn at once whether
 * the org takes our token. Without it a refused token shows only as a streaming handshake that keeps
 * failing, and the service waits for its watchdog (minutes) before it says anything. A refusal stops
 * the start; an org that does not answer in time is left to the subscription's own retries.
 */
export async function verifyAccess(
  conn: Connection,
  opts: { apiVersion: string; timeoutMs: number; logger: Logger; what: string; hint?: string },
): Promise<void> {
  try {
    await withDeadline(
      conn.request({ method: 'GET', url: `/services/data/v${opts.apiVersion}/limits` }),
      opts.timeoutMs,
      () => new Error(`no answer within ${opts.timeoutMs} ms`),
    );
  } catch (err) {
    const wrapped = orgError(err, opts.what);
    if (wrapped.code === 'ORG_AUTH_FAILED')
      throw new ScorerError(
        'ORG_AUTH_FAILED',
        `The org refused our credentials (${wrapped.message})${opts.hint ? `; ${opts.hint}` : ''}`,
        {
          cause: err,
          retryable: false,
        },
      );
    opts.logger.warn(
      { err: wrapped, code: wrapped.code },
      'Could not check the credentials at start; going on',
    );
  }
}
