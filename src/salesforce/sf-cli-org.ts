/**
 * An org from the sf CLI's store (SF_ORG = alias or username), through @salesforce/core: the same
 * auth files, keychain and refresh logic as `sf org login …`, so a developer's laptop login just works.
 */
import type { AuthInfo, Connection } from '@salesforce/core';
import { ScorerError } from '../lib/errors';

export interface CliOrg {
  username: string;
  instanceUrl: string;
  accessToken: string;
  /** False for an auth file holding only an access token (`sf org login access-token`). */
  refreshable: boolean;
  /** Why refresh cannot work, when it cannot. */
  notRefreshableReason?: string;
  /** Returns a working token: the core refreshes it (and saves it to the auth file) if the org refuses the current one. */
  refresh(): Promise<string>;
}

const loginHint = (org: string): string =>
  `run \`sf org login web --alias ${org}\` (or \`sf org login jwt\`) as the user the service runs as, or check \`sf org list\``;

type Core = typeof import('@salesforce/core');

async function loadCore(): Promise<Core> {
  // @salesforce/core writes a daily debug log under ~/.sf unless told not to; a service has its own
  // logs and may run with a read-only home. An operator's explicit setting wins.
  process.env.SF_DISABLE_LOG_FILE ??= 'true';
  // Loaded on demand: it is large and only this way of reaching an org needs it.
  return import('@salesforce/core');
}

async function authInfoFor(core: Core, org: string): Promise<{ username: string; authInfo: AuthInfo }> {
  try {
    const state = await core.StateAggregator.getInstance();
    const username = state.aliases.resolveUsername(org);
    return { username, authInfo: await core.AuthInfo.create({ username }) };
  } catch (err) {
    const name = (err as { name?: string }).name;
    const why =
      name === 'NamedOrgNotFoundError'
        ? `the sf CLI knows no org "${org}" (no alias or username of that name in its store)`
        : `the sf CLI's auth for "${org}" could not be read (${(err as Error).message})`;
    throw new ScorerError('ORG_AUTH_FAILED', `SF_ORG: ${why}; ${loginHint(org)}`, {
      cause: err,
      context: { variable: 'SF_ORG', org },
    });
  }
}

export async function openCliOrg(org: string, apiVersion: string): Promise<CliOrg> {
  const core = await loadCore();
  const { username, authInfo } = await authInfoFor(core, org);
  let conn: Connection;
  try {
    conn = await core.Connection.create({ authInfo, connectionOptions: { version: apiVersion } });
  } catch (err) {
    throw new ScorerError(
      'ORG_AUTH_FAILED',
      `SF_ORG: could not connect to "${org}" (${(err as Error).message})`,
      {
        cause: err,
        context: { variable: 'SF_ORG', org },
      },
    );
  }
  const accessToken = conn.accessToken;
  const instanceUrl = conn.instanceUrl;
  if (!accessToken || !instanceUrl) {
    throw new ScorerError(
      'ORG_AUTH_FAILED',
      `SF_ORG: the sf CLI's auth for "${org}" has no access token; ${loginHint(org)}`,
      {
        context: { variable: 'SF_ORG', org },
      },
    );
  }
  // An access-token login stores neither a refresh token nor a JWT key: nothing can mint a new token.
  const refreshable = !authInfo.isAccessTokenFlow();
  return {
    username,
    instanceUrl,
    accessToken,
    refreshable,
    ...(refreshable
      ? {}
      : {
          notRefreshableReason: `the sf CLI holds only an access token for "${org}" (no refresh token or JWT key); ${loginHint(org)}`,
        }),
    refresh: async () => {
      try {
        // The core's own refresh: it tries the current token and, on a 401, runs the refresh-token
        // or JWT flow the CLI stored and saves the new token to the auth file for the CLI too.
        await conn.refreshAuth();
      } catch (err) {
        throw new ScorerError(
          'ORG_AUTH_FAILED',
          `SF_ORG: refreshing the session of "${org}" failed (${(err as Error).message}); ${loginHint(org)}`,
          {
            cause: err,
            context: { variable: 'SF_ORG', org },
          },
        );
      }
      if (!conn.accessToken)
        throw new ScorerError('ORG_AUTH_FAILED', `SF_ORG: refreshing "${org}" gave no token`);
      return conn.accessToken;
    },
  };
}
