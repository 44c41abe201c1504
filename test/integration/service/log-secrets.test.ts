import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configuredOrg } from '../../../src/cli/service-commands';
import { parseEnv, type Env } from '../../../src/config/env';
import { startService, type RunningService } from '../../../src/main';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { captureLogs, recordSecrets } from '../../support/log-capture';
import { findSecrets } from '../../support/secret-scan';
import { changesThatRescore, counter, sellerEdit, writesSince } from './org-oracle';
import { FAST, openIds, until } from './stack';

/**
 * Secrets never reach the logs. The service runs against the sandbox with a JWT bearer login (a real
 * private key), an admin token and the tokens the org mints, through the faults that make it log
 * errors: every token revoked (REST 401, refresh by a new assertion), streaming
 * "401::Authentication invalid", passing 401s, refused logins, admin calls with a wrong Bearer token,
 * malformed requests carrying Authorization headers and a token in the query string. Every line it
 * writes, at trace level, is scanned for the exact secret values and for anything shaped like one.
 */

const CLIENT_ID = '3MVG9-log-secrets-connected-app';
const ADMIN_TOKEN = 'admin-Zq8xW3rT5yU7iO9pLk2Jh4Gf';
const WRONG_TOKEN = 'not-the-admin-token-Mn3Bv5Cx7Zl9';

let sandbox: Sandbox;
let dir: string;
let env: Env;
let privatePem: string;
let service: RunningService | undefined;
const capture = captureLogs('trace');
/** Every secret value the run handled; tokens are collected before each revocation. */
const secrets = new Set<string>();
const keep = (...values: string[]) => {
  for (const v of values) secrets.add(v);
  recordSecrets(...values);
};
const keepIssuedTokens = () => keep(...sandbox.core.tokens.keys());
/** The base64 lines of a PEM: a key printed in part is still a leak. */
const pemLines = (pem: string) => pem.split('\n').filter((l) => l.length >= 40);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'log-secrets-'));
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const keyFile = path.join(dir, 'server.key');
  writeFileSync(keyFile, privatePem);
  keep(privatePem, ...pemLines(privatePem), ADMIN_TOKEN, WRONG_TOKEN);
  sandbox = await startSandbox({
    deals: 30,
    seed: 9,
    cometdTimeoutMs: 1000,
    jwtClients: [
      { clientId: CLIENT_ID, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string },
    ],
  });
  keep(sandbox.accessToken, sandbox.sellerToken);
  env = parseEnv({
    SF_LOGIN_URL: sandbox.url,
    SF_CLIENT_ID: CLIENT_ID,
    SF_USERNAME: sandbox.integrationUsername,
    SF_JWT_KEY_FILE: keyFile,
    INTEGRATION_USER_ID: sandbox.integrationUserId,
    STATE_DIR: path.join(dir, 'state'),
    PORT: '0',
    SWEEP_INTERVAL: 'off',
    ADMIN_TOKEN,
    LOG_LEVEL: 'trace',
  });
}, 60_000);

afterAll(async () => {
  await service?.close();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (route: string, init: RequestInit = {}) => fetch(`${service?.url}${route}`, init);

async function changeAndWaitForWrite(id: string, change: Record<string, unknown>): Promise<void> {
  const from = sandbox.writeLog.length;
  sellerEdit(sandbox, id, change);
  await until(() => writesSince(sandbox, from).has(id), 30_000);
}

describe('secrets in the logs of a service going through auth faults', () => {
  it('logs the faults and not one token, key, assertion or Authorization value', async () => {
    const org = await configuredOrg(env, capture.logger);
    keepIssuedTokens();
    service = await startService(env, org, { ...FAST, logger: capture.logger });
    await service.sweep('test waits for the first sweep');
    await until(() => service!.intake.outstanding === 0);
    const [a, b, c] = [...(await changesThatRescore(sandbox, openIds(sandbox)))];

    // Every token revoked: REST answers 401, the service signs a new assertion and carries on.
    keepIssuedTokens();
    sandbox.revokeTokens();
    await changeAndWaitForWrite(...a);
    keepIssuedTokens();

    // The streaming side refuses the session; passing 401s on REST.
    sandbox.faults.authInvalidNextConnect = 1;
    await until(async () => (await counter(service!.metrics.subscriptionRebuilds, { cause: 'auth' })) >= 1);
    await until(async () => (await call('/readyz')).status === 200, 30_000);
    keepIssuedTokens();
    sandbox.faults.unauthorizedNext = 3;
    await changeAndWaitForWrite(...b);
    keepIssuedTokens();

    // Refused logins: an unknown user, and a key the connected app does not know.
    const stranger = path.join(dir, 'stranger.key');
    writeFileSync(
      stranger,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }),
    );
    keep(...pemLines(readFileSync(stranger, 'utf8')));
    for (const wrong of [{ SF_USERNAME: 'nobody@sandbox.example' }, { SF_JWT_KEY_FILE: stranger }]) {
      const refused = await configuredOrg({ ...env, ...wrong }, capture.logger).catch((err: unknown) => err);
      expect(refused).toMatchObject({ code: 'ORG_AUTH_FAILED' });
      // What the service does with an error it cannot handle: log it whole, cause chain included.
      capture.logger.error({ err: refused }, 'Cannot open the org session');
    }

    // HTTP callers sending credentials: a wrong admin token, a right one, tokens on bad requests.
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await call('/v1/admin/sweep', { method: 'POST', headers: bearer(WRONG_TOKEN) })).status).toBe(
      401,
    );
    expect(
      (await call('/v1/admin/rules/reload', { method: 'POST', headers: bearer(ADMIN_TOKEN) })).status,
    ).toBe(200);
    const badJson = await call('/v1/score', {
      method: 'POST',
      headers: { ...bearer(ADMIN_TOKEN), 'content-type': 'application/json' },
      body: '{"opportunity": ',
    });
    expect(badJson.status).toBe(400);
    const token = org.accessToken;
    const preview = await call(`/v1/opportunities/006000000000000AAA/score?access_token=${token}`, {
      headers: bearer(token),
    });
    expect(preview.status).toBeGreaterThanOrEqual(400);
    await changeAndWaitForWrite(...c);
    keepIssuedTokens();
    await service.close();
    service = undefined;

    const lines = capture.lines;
    const text = lines.join('');
    // The faults were logged (so the scan read something worth reading) …
    expect(lines.length).toBeGreaterThan(20);
    expect(text).toMatch(/"level":40[^\n]*Streaming authentication failed/);
    expect(text).toMatch(/org access token refreshed/);
    expect(text).toMatch(/"level":50[^\n]*Cannot open the org session/);
    expect(secrets.size).toBeGreaterThan(10);
    // … and not one secret.
    expect(findSecrets(text, [...secrets])).toEqual([]);
  }, 120_000);
});
