import { randomBytes } from 'node:crypto';
import type { OrgAccess } from '../../src/main';
import type { Sandbox } from '../../src/sandbox';

/**
 * How the service reaches an in-process sandbox org (`npm start`, the tests): its integration user's
 * token, and a refresh that has the sandbox mint a new one, as a JWT bearer grant would against a real
 * org. The old token keeps working until the sandbox revokes it, as on Salesforce.
 */
export function sandboxOrgAccess(sandbox: Sandbox, onRefresh?: () => void): OrgAccess {
  const access: OrgAccess = {
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.accessToken,
    refreshable: true,
    refresh: async () => {
      const token = `00D5g000000SBX1!${randomBytes(24).toString('base64url')}`;
      sandbox.core.tokens.set(token, sandbox.integrationUserId);
      access.accessToken = token;
      onRefresh?.();
      return token;
    },
    describe: () => `the sandbox org at ${sandbox.instanceUrl}`,
  };
  return access;
}
