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
