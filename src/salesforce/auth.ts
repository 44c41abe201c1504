/**
 * The org session: how the service holds an access token for the configured org and gets a new one
 * when Salesforce refuses it (INVALID_SESSION_ID on REST, `401::Authentication invalid` on CometD).
 * Three ways in (README, Configuration): a ready token, the JWT bearer flow, or the sf CLI's store.
 */
import type { ConnectionConfig } from 'jsforce';
import type { OrgAuth } from '../config/env';
import { ScorerError, wrapError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { readPrivateKey, requestJwtToken, signAssertion, type JwtSettings } from './jwt-bearer';
import { openCliOrg } from './sf-cli-org';

export type RefreshFn = NonNullable<ConnectionConfig['refreshFn']>;

export interface OrgSession {
  kind: 'token' | 'jwt' | 'sf-cli';
  instanceUrl: string;
  /** The current token; replaced after every successful refresh. */
  accessToken: string;
  refreshable: boolean;
  /**
   * Gets a new token. Concurrent callers share one request (a burst of 401s mints once). Throws
   * ScorerError ORG_AUTH_FAILED saying why (a refusal, or a session that cannot be refreshed) or
   * NETWORK (retryable) when the login server is unreachable or failing.
   */
  refresh(): Promise<string>;
  /** For jsforce's Connection `refreshFn` option; undefined when the session cannot be refreshed. */
  refreshFn: RefreshFn | undefined;
  /** Where and as whom, e.g. "JWT bearer as user@x.com at https://…"; never a token. */
  describe(): string;
}

export type OrgSessionAuth = Exclude<OrgAuth, { kind: 'sandbox' }>;

export interface OpenSessionOptions {
  apiVersion: string;
  logger?: Logger;
  /** Milliseconds since the epoch, for the JWT's expiry; tests pass a fixed clock. */
  now?: () => number;
}

interface Minted {
  accessToken: string;
  instanceUrl?: string;
}

interface SessionParts {
  kind: OrgSession['kind'];
  instanceUrl: string;
  accessToken: string;
  description: string;
  /** Absent: the session cannot be refreshed, for the reason given. */
  mint?: () => Promise<Minted>;
  notRefreshableReason: string;
  logger?: Logger;
}

/** Wraps a way to mint tokens into a session with single-flight refresh and a jsforce refreshFn. */
function buildSession(parts: SessionParts): OrgSession {
  const log = parts.logger?.child({ component: 'org-auth', authKind: parts.kind });
  let inFlight: Promise<string> | undefined;
  const mint = parts.mint;

  const refreshOnce = async (): Promise<string> => {
    if (!mint) {
      throw new ScorerError(
        'ORG_AUTH_FAILED',
        `The org session cannot be refreshed: ${parts.notRefreshableReason}`,
        {
          context: { authKind: parts.kind },
        },
      );
    }
    try {
      const next = await mint();
      session.accessToken = next.accessToken;
      if (next.instanceUrl) session.instanceUrl = next.instanceUrl;
      log?.info({ instanceUrl: session.instanceUrl }, 'org access token refreshed');
      return next.accessToken;
    } catch (err) {
      const e = wrapError(err, 'ORG_AUTH_FAILED', 'Refreshing the org session failed');
      log?.warn(
        { code: e.code, retryable: e.retryable, reason: e.message },
        'org access token refresh failed',
      );
      throw e;
    }
  };

  const session: OrgSession = {
    kind: parts.kind,
    instanceUrl: parts.instanceUrl,
    accessToken: parts.accessToken,
    refreshable: mint !== undefined,
    refresh: () => {
      inFlight ??= refreshOnce().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    refreshFn: undefined,
    describe: () => parts.description,
  };
  if (mint) session.refreshFn = jsforceRefreshFn(session);
  return session;
}

async function openJwtSession(
  auth: Extract<OrgAuth, { kind: 'jwt' }>,
  opts: OpenSessionOptions,
): Promise<OrgSession> {
  const settings: JwtSettings = auth;
  // Read and checked once at start, so a bad key file stops start-up rather than the first refresh.
  const key = await readPrivateKey(auth.keyFile);
  const now = opts.now ?? Date.now;
  const mint = async (): Promise<Minted> => {
    const token = await requestJwtToken(settings, signAssertion(settings, key, now()));
    return { accessToken: token.accessToken, instanceUrl: token.instanceUrl };
  };
  const first = await mint();
  return buildSession({
    kind: 'jwt',
    instanceUrl: first.instanceUrl ?? auth.loginUrl,
    accessToken: first.accessToken,
    description: `JWT bearer as ${auth.username} at ${auth.loginUrl} (client ${auth.clientId})`,
    mint,
    notRefreshableReason: '',
    logger: opts.logger,
  });
}

async function openCliSession(
  auth: Extract<OrgAuth, { kind: 'sf-cli' }>,
  opts: OpenSessionOptions,
): Promise<OrgSession> {
  const org = await openCliOrg(auth.org, opts.apiVersion);
  const alias = org.username === auth.org ? '' : ` (alias ${auth.org})`;
  // An access-token login may be stored under the token itself as its "username".
  const user = /^00D\w{12,15}!/.test(org.username) ? '(an access token)' : org.username;
  return buildSession({
    kind: 'sf-cli',
    instanceUrl: org.instanceUrl,
    accessToken: org.accessToken,
    description: `sf CLI org ${user}${alias} at ${org.instanceUrl}`,
    ...(org.refreshable ? { mint: async () => ({ accessToken: await org.refresh() }) } : {}),
    notRefreshableReason: org.notRefreshableReason ?? '',
    logger: opts.logger,
  });
}

/** Opens a session for the configured org: mints the first token (JWT), or loads it (sf CLI), or takes it as given. */
export async function openSession(auth: OrgSessionAuth, opts: OpenSessionOptions): Promise<OrgSession> {
  let session: OrgSession;
  switch (auth.kind) {
    case 'token':
      session = buildSession({
        kind: 'token',
        instanceUrl: auth.instanceUrl,
        accessToken: auth.accessToken,
        description: `a ready access token at ${auth.instanceUrl}`,
        notRefreshableReason:
          'a ready access token (SF_ACCESS_TOKEN) cannot be refreshed; set the JWT variables (SF_CLIENT_ID, SF_USERNAME, SF_JWT_KEY_FILE) or SF_ORG',
        logger: opts.logger,
      });
      break;
    case 'jwt':
      session = await openJwtSession(auth, opts);
      break;
    case 'sf-cli':
      session = await openCliSession(auth, opts);
      break;
  }
  opts.logger?.info(
    { authKind: session.kind, refreshable: session.refreshable, org: session.describe() },
    'org session opened',
  );
  return session;
}

const MIN_REFRESH_GAP_MS = 10_000;

/**
 * jsforce's `refreshFn` for a token source. jsforce retries a request after every successful refresh,
 * with no limit: a token the org refuses even when fresh (a stale instance URL, a store handing back
 * the same token) would loop at full speed. A second refresh within 10 s fails instead, and the
 * caller retries with backoff. A refresh may also move the org (JWT answers with its instance_url).
 */
export function jsforceRefreshFn(source: {
  refresh(): Promise<string>;
  readonly instanceUrl: string;
}): RefreshFn {
  let last = Number.NEGATIVE_INFINITY;
  return (conn, callback) => {
    if (Date.now() - last < MIN_REFRESH_GAP_MS) {
      callback(new ScorerError('ORG_AUTH_FAILED', 'The org refused a token minted seconds ago'));
      return;
    }
    last = Date.now();
    source.refresh().then(
      (token) => {
        conn.instanceUrl = source.instanceUrl;
        callback(null, token);
      },
      (err: unknown) => callback(err as Error),
    );
  };
}
