/**
 * The one error type of the project. Every boundary (env, rulebook, snapshot, Salesforce, HTTP, CLI)
 * wraps what it catches into a ScorerError whose code is listed in the catalogue below, so a user
 * always sees the same words and the same fix for the same problem.
 */

export type ErrorKind = 'input' | 'config' | 'org' | 'network' | 'internal';

interface CatalogueEntry {
  kind: ErrorKind;
  retryable: boolean;
  /** What to do about it, shown after the message on the CLI and in HTTP error bodies. */
  fix?: string;
}

export const ERROR_CATALOGUE = {
  CONFIG_INVALID: { kind: 'config', retryable: false, fix: 'Correct the environment variable named above.' },
  RULEBOOK_INVALID: {
    kind: 'config',
    retryable: false,
    fix: 'Run `commitment-scorer rules check FILE` and correct the lines it names.',
  },
  RULEBOOK_UNREADABLE: { kind: 'config', retryable: false, fix: 'Check the path and the file permissions.' },
  SNAPSHOT_INVALID: { kind: 'input', retryable: false, fix: 'Correct the deal snapshot at the path named.' },
  INPUT_UNREADABLE: { kind: 'input', retryable: false, fix: 'Check the path and that the file is JSON.' },
  USAGE: { kind: 'input', retryable: false, fix: 'See --help.' },
  AS_OF_INVALID: {
    kind: 'input',
    retryable: false,
    fix: 'Give an ISO-8601 timestamp, e.g. 2026-10-01T00:00:00Z.',
  },
  NOT_FOUND: { kind: 'input', retryable: false },
  RECORD_ID_INVALID: {
    kind: 'input',
    retryable: false,
    fix: 'Pass 15- or 18-character Salesforce record ids of the expected object.',
  },
  EVENT_INVALID: {
    kind: 'input',
    retryable: false,
    fix: 'The event was dead-lettered with its replay id in STATE_DIR/dead-letters.jsonl; the next sweep rescores its deals.',
  },
  UNAUTHORIZED: { kind: 'input', retryable: false, fix: 'Send Authorization: Bearer <ADMIN_TOKEN>.' },
  FORBIDDEN: { kind: 'input', retryable: false, fix: 'Set ADMIN_TOKEN to enable admin endpoints.' },
  ORG_AUTH_FAILED: {
    kind: 'org',
    retryable: false,
    fix: 'Re-authenticate the org (sf org login …) or check the JWT settings.',
  },
  ORG_REQUEST_FAILED: { kind: 'org', retryable: true },
  ORG_LIMIT_EXCEEDED: { kind: 'org', retryable: true, fix: 'Writes resume when the daily API usage drops.' },
  NETWORK: { kind: 'network', retryable: true },
  INTERNAL: { kind: 'internal', retryable: false },
  ORG_SHAPE_INVALID: {
    kind: 'config',
    retryable: false,
    fix: 'Apply the fix named on each line, then start again; `commitment-scorer rules check FILE --org` repeats the check.',
  },
  ROWS_DEAD_LETTERED: {
    kind: 'org',
    retryable: false,
    fix: "See STATE_DIR/dead-letters.jsonl: each line names the record, the org's error code and its message.",
  },
  PERIOD_INVALID: {
    kind: 'input',
    retryable: false,
    fix: 'Give --period as a fiscal quarter (2026-Q4), a fiscal year (2026) or all.',
  },
  HISTORY_EMPTY: {
    kind: 'input',
    retryable: false,
    fix: 'Widen --from/--to, or check that the integration user can see closed opportunities (or that the --snapshots file holds deals).',
  },
  HISTORY_TOO_SMALL: {
    kind: 'input',
    retryable: false,
    fix: 'Calibrate again once more deals have closed. Until then the rulebook scores with its own weights (rules only): its adjusted probability is a ranking with honest defaults, and the record page says "rules only, not yet calibrated".',
  },
  ORG_TOKEN_REFUSED: {
    kind: 'org',
    retryable: false,
    fix: 'A ready token (SF_ACCESS_TOKEN) cannot be refreshed: set a new SF_ACCESS_TOKEN, or let the service mint its own tokens with SF_CLIENT_ID + SF_USERNAME + SF_JWT_KEY_FILE or SF_ORG.',
  },
  STATE_CORRUPT: {
    kind: 'config',
    retryable: false,
    fix: 'Move the named file out of STATE_DIR; nothing is lost, the next start sweeps every open deal.',
  },
  STATE_UNWRITABLE: {
    kind: 'config',
    retryable: true,
    fix: 'Make STATE_DIR writable and give its volume free space; scoring goes on meanwhile.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    kind: 'input',
    retryable: false,
    fix: 'Send Content-Type: application/json; charset=utf-8, without Content-Encoding.',
  },
  BAD_REQUEST: { kind: 'input', retryable: false, fix: 'Correct the request as the message says.' },
  LEASE_LOST: {
    kind: 'internal',
    retryable: true,
    fix: 'Another service took over this STATE_DIR; restart this one and it waits as a standby.',
  },
  SERVICE_BUSY: {
    kind: 'input',
    retryable: true,
    fix: 'Try again after the time in the Retry-After header.',
  },
  RATE_LIMITED: { kind: 'input', retryable: true, fix: 'Wait for the time in the Retry-After header.' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ScorerErrorOptions {
  context?: Record<string, unknown>;
  cause?: unknown;
  retryable?: boolean;
}

export class ScorerError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;
  override readonly cause?: unknown;

  constructor(code: ErrorCode, message: string, options: ScorerErrorOptions = {}) {
    super(message);
    this.name = 'ScorerError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CATALOGUE[code].retryable;
    this.context = options.context ?? {};
    if (options.cause !== undefined) this.cause = options.cause;
  }

  get kind(): ErrorKind {
    return ERROR_CATALOGUE[this.code].kind;
  }

  get fix(): string | undefined {
    const entry: CatalogueEntry = ERROR_CATALOGUE[this.code];
    return entry.fix;
  }
}

export function isScorerError(err: unknown): err is ScorerError {
  return err instanceof ScorerError;
}

/** Wraps anything thrown at a boundary; a ScorerError passes through untouched. */
export function wrapError(err: unknown, code: ErrorCode, message: string, context?: Record<string, unknown>) {
  if (isScorerError(err)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new ScorerError(code, `${message}: ${detail}`, { cause: err, context });
}

/** The exit codes (README, Contract): 0 success, 1 input or config rejected, 2 org or network failed or rows refused. */
export function exitCodeFor(err: unknown): 1 | 2 {
  if (!isScorerError(err)) return 2;
  return err.kind === 'org' || err.kind === 'network' || err.kind === 'internal' ? 2 : 1;
}
