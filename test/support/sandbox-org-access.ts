import { ScorerError } from '../../src/lib/errors';
import type { OrgAccess } from '../../src/main';
import { recordSecrets } from './log-capture';
import type { Sandbox } from '../../src/sandbox';
import { newToken } from '../../src/sandbox/oauth-routes';

/**
 * How the tests' service reaches an in-process sandbox org: its integration user's
 * token, and a refresh that has the sandbox mint a new one, as a JWT bearer grant would against a real
 * org. The old token keeps working until the sandbox revokes it, as on Salesforce.
 */
export function sandboxOrgAccess(sandbox: Sandbox, onRefresh?: () => void): OrgAccess {
  const access: OrgAccess = {
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.accessToken,
    refreshable: true,
    refresh: async () => {
      const token = newToken();
      recordSecrets(token);
      sandbox.core.tokens.set(token, sandbox.integrationUserId);
      access.accessToken = token;
      onRefresh?.();
      return token;
    },
    describe: () => `the sandbox org at ${sandbox.instanceUrl}`,
  };
  return access;
}

/**
 * A ready access token (SF_ACCESS_TOKEN mode): it cannot be refreshed, as openSession's "token" kind
 * cannot; the service must live with the token it was given.
 */
export function fixedTokenOrgAccess(sandbox: Sandbox): OrgAccess {
  return {
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.accessToken,
    refreshable: false,
    refresh: async () => {
      throw new ScorerError('ORG_AUTH_FAILED', 'a ready access token (SF_ACCESS_TOKEN) cannot be refreshed');
    },
    describe: () => `a ready access token at ${sandbox.instanceUrl}`,
  };
}
