import { ScorerError } from '../lib/errors';

/**
 * How a failed Salesforce call is classified. jsforce throws an HttpApiError whose `name` and
 * `errorCode` are the body's errorCode (REQUEST_LIMIT_EXCEEDED, INVALID_FIELD…) and which carries no
 * HTTP status; a body that is not JSON (a load balancer's 503 page) becomes `ERROR_HTTP_<status>`.
 * Network failures come from node-fetch with a system `code`.
 */

/** Whole-call codes that say "the server is busy, try the same request again". */
const TRANSIENT_CODES = new Set([
  'SERVER_UNAVAILABLE',
  'UNABLE_TO_LOCK_ROW',
  'UNKNOWN_EXCEPTION',
  'REQUEST_RUNNING_TOO_LONG',
  'CONCURRENT_REQUEST_LIMIT_EXCEEDED' /* too many long-running requests at once, not the daily budget */,
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  // jsforce gives up on a request after its own timeout with node-fetch's AbortError.
  'AbortError',
]);

export function errorCodeOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'UNKNOWN';
  const e = err as { errorCode?: unknown; name?: unknown; code?: unknown };
  if (typeof e.errorCode === 'string') return e.errorCode;
  if (typeof e.code === 'string') return e.code;
  return typeof e.name === 'string' ? e.name : 'UNKNOWN';
}

export function isNetworkError(err: unknown): boolean {
  const code = errorCodeOf(err);
  return (
    NETWORK_CODES.has(code) ||
    code.startsWith('UND_ERR_') ||
    (err instanceof Error && (err.name === 'FetchError' || err.name === 'AbortError'))
  );
}

/**
 * jsforce replaces whatever our refresh function failed with by a plain Error with this message, no
 * code and no cause; the login server being away for a minute must not read as a permanent failure.
 */
const REFRESH_FAILED = /^Unable to refresh session due to:/;

/** True for failures where resending the same request may succeed: 5xx, 420/429, locks, network. */
export function isTransient(err: unknown): boolean {
  const code = errorCodeOf(err);
  return TRANSIENT_CODES.has(code) || /^ERROR_HTTP_(5\d\d|420|429)$/.test(code) || isNetworkError(err);
}

/** The daily API allocation is used up (403): every client of the org is refused until usage drops. */
export function isLimitExceeded(err: unknown): boolean {
  return errorCodeOf(err) === 'REQUEST_LIMIT_EXCEEDED';
}

/** Wraps a failed call into the project's error, keeping the Salesforce code in the context. */
export function orgError(err: unknown, what: string, context: Record<string, unknown> = {}): ScorerError {
  if (err instanceof ScorerError) return err;
  const code = errorCodeOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  const ctx = { ...context, salesforceCode: code };
  if (isLimitExceeded(err))
    return new ScorerError(
      'ORG_LIMIT_EXCEEDED',
      `${what}: the org's daily API limit is used up (${detail})`,
      {
        cause: err,
        context: ctx,
      },
    );
  if (code === 'INVALID_SESSION_ID' || code === 'INVALID_AUTH_HEADER' || REFRESH_FAILED.test(detail))
    return new ScorerError('ORG_AUTH_FAILED', `${what}: ${detail}`, { cause: err, context: ctx });
  if (isNetworkError(err))
    return new ScorerError('NETWORK', `${what}: ${detail}`, { cause: err, context: ctx });
  return new ScorerError('ORG_REQUEST_FAILED', `${what}: ${code}: ${detail}`, {
    cause: err,
    context: ctx,
    retryable: isTransient(err),
  });
}
