import type { Metrics } from '../http/metrics';
import { isScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { DeadLetter } from '../state/dead-letters';

/** The intake's two ways of not losing work: retry what may succeed later, dead-letter what never will. */

export interface RetryDeps {
  retryDelayMs: (attempt: number, err: unknown) => number;
  /** Aborted when the service drains: the work is then left unfinished (undefined). */
  signal: AbortSignal;
  /** Why work is not finishing, for /readyz; undefined once it does. */
  onFailing: (reason: string | undefined) => void;
  logger: Logger;
}

/** Runs `work` until it succeeds or fails for good (thrown); undefined when the drain gave up on it. */
export async function retryUntilDone<T>(
  work: () => Promise<T>,
  deps: RetryDeps,
  context: Record<string, unknown>,
): Promise<{ value: T } | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await work();
      deps.onFailing(undefined);
      return { value };
    } catch (err) {
      if (!worthRetrying(err)) throw err;
      const code = isScorerError(err) ? err.code : undefined;
      deps.onFailing(`${code ?? 'ERROR'}: ${(err as Error).message}`);
      const delay = deps.retryDelayMs(attempt, err);
      deps.logger.warn(
        { ...context, attempt, retryInMs: delay, code, err },
        'Change event not finished; trying again',
      );
      if (!(await sleep(delay, deps.signal))) return undefined;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A whole batch failing is never about one record (row failures are dead-lettered by the write-back):
 * it is the network, the org (5xx, locks, its daily limit, an expired token) or its configuration (a
 * field the integration user cannot read). All of these get better only with time or an operator, and
 * dead-lettering every event meanwhile would move the checkpoint past changes nobody wrote, so they
 * are retried with backoff and /readyz says why. What is wrong with the event itself, or a bug, is
 * dead-lettered.
 */
export function worthRetrying(err: unknown): boolean {
  if (!isScorerError(err)) return false;
  return err.retryable || err.kind === 'org' || err.kind === 'network';
}

export interface LetterDeps {
  deadLetter: (letter: DeadLetter) => Promise<unknown>;
  now: () => number;
  logger: Logger;
  metrics?: Metrics;
}

/** Writes one dead letter. The store never rejects: one it cannot save is logged whole and held (see DeadLetterStore). */
export async function writeDeadLetter(
  deps: LetterDeps,
  what: Pick<DeadLetter, 'replayId' | 'recordIds'>,
  err: unknown,
): Promise<void> {
  const code = isScorerError(err) ? err.code : 'INTERNAL';
  const letter: DeadLetter = {
    at: new Date(deps.now()).toISOString(),
    ...what,
    code,
    reason: err instanceof Error ? err.message : String(err),
  };
  deps.metrics?.deadLetters.inc({ code });
  deps.logger.error({ replayId: letter.replayId, code, reason: letter.reason }, 'Change event dead-lettered');
  // The store does not reject: a letter it cannot save (full or read-only STATE_DIR) is logged whole
  // and /readyz says so. Exiting instead would restart into the same disk and never move on.
  await deps.deadLetter(letter);
}
