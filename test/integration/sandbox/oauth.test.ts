import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuthInfo, StateAggregator } from '@salesforce/core';
import { openSession, type OrgSession } from '../../../src/salesforce/auth';
import { createConnection } from '../../../src/salesforce/connection';
import { signAssertion, tokenEndpoint } from '../../../src/salesforce/jwt-bearer';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { failure } from '../../support/failure';
import { useIsolatedSfHome } from '../../support/sf-home';
import { connect, streamingClient, until } from './helpers';

const CLIENT_ID = '3MVG9sandboxConsumerKey';
const SOQL = 'SELECT Id, Name FROM Opportunity LIMIT 3';

let sb: Sandbox;
let dir: string;
let keyFile: string;
let otherKeyFile: string;
let privateKey: KeyObject;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'oauth-'));
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKey = pair.privateKey;
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keyFile = path.join(dir, 'server.key');
  otherKeyFile = path.join(dir, 'other.key');
  writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(otherKeyFile, stranger.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  sb = await startSandbox({
    deals: 20,
    seed: 5,
    cometdTimeoutMs: 300,
    jwtClients: [
      { clientId: CLIENT_ID, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string },
    ],
  });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const jwtAuth = (
  extra: Partial<{ clientId: string; username: string; keyFile: string; loginUrl: string }> = {},
) => ({
  kind: 'jwt' as const,
  loginUrl: sb.url,
  clientId: CLIENT_ID,
  username: sb.integrationUsername,
  keyFile,
  ...extra,
});

const connectWith = (session: OrgSession) =>
  createConnection({
    instanceUrl: session.instanceUrl,
    accessToken: session.accessToken,
    apiVersion: '62.0',
    clientId: 'commitment-scorer',
    refreshFn: session.refreshFn,
  });

describe('the sandbox token endpoint (JWT bearer grant)', () => {
  it('mints a token for the integration user that the REST API accepts', async () => {
    const session = await openSession(jwtAuth(), { apiVersion: '62.0' });
    expect(sb.integrationUsername).toBe('integration@sandbox.example');
    expect(session.instanceUrl).toBe(sb.instanceUrl);
    expect(sb.core.tokens.get(session.accessToken)).toBe(sb.integrationUserId);
    const res = await connectWith(session).query(SOQL);
    expect(res.records).toHaveLength(3);
  });

  it('answers in the shape Salesforce does', async () => {
    const settings = jwtAuth();
    const res = await fetch(tokenEndpoint(sb.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: signAssertion(settings, privateKey, sb.clock.now()),
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({ instance_url: sb.url, token_type: 'Bearer', scope: 'api' });
    expect(body.access_token).toMatch(/^00D\w{12}!/);
    expect(body.id).toMatch(new RegExp(`/id/00D\\w{15}/${sb.integrationUserId}$`));
    expect(Number(body.issued_at)).toBeGreaterThan(0);
  });

  it.each([
    ['an assertion signed with another key', () => jwtAuth({ keyFile: otherKeyFile }), 'invalid assertion'],
    ['an unknown connected app', () => jwtAuth({ clientId: '3MVG9unknown' }), 'client identifier invalid'],
    [
      'a user the app is not approved for',
      () => jwtAuth({ username: 'seller1@sandbox.example' }),
      "user hasn't approved this consumer",
    ],
    [
      'a user that does not exist',
      () => jwtAuth({ username: 'nobody@sandbox.example' }),
      "user hasn't approved this consumer",
    ],
  ])('refuses %s', async (_what, auth, description) => {
    const err = await failure(openSession(auth(), { apiVersion: '62.0' }));
    expect(err.code).toBe('ORG_AUTH_FAILED');
    expect(err.message).toContain(description);
    expect(err.context).toMatchObject({ status: 400 });
  });

  it('refuses an assertion that expired by the sandbox clock', async () => {
    const err = await failure(
      openSession(jwtAuth(), { apiVersion: '62.0', now: () => sb.clock.now() - 5 * 60_000 }),
    );
    expect(err.message).toContain('expired authorization code (invalid_grant)');
    sb.clock.advance(-10 * 60_000);
    try {
      // The same clock offset on both sides: the sandbox still takes a fresh assertion.
      await expect(
        openSession(jwtAuth(), { apiVersion: '62.0', now: () => sb.clock.now() }),
      ).resolves.toBeDefined();
    } finally {
      sb.clock.advance(10 * 60_000);
    }
  });

  it('refuses an audience other than its own URL or the Salesforce login URLs', async () => {
    const post = (assertion: string, grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer') =>
      fetch(tokenEndpoint(sb.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: grant, assertion }),
      });
    const at = (loginUrl: string) => signAssertion(jwtAuth({ loginUrl }), privateKey, sb.clock.now());
    const wrong = await post(at('https://evil.example.com'));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'invalid_grant', error_description: 'audience is invalid' });
    expect((await post(at('https://test.salesforce.com'))).status).toBe(200);
    const grant = await post(at(sb.url), 'password');
    expect(await grant.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'grant type not supported',
    });
  });
});

describe('revoking tokens', () => {
  it('makes a jsforce Connection with the session refreshFn mint a new token and carry on', async () => {
    const session = await openSession(jwtAuth(), { apiVersion: '62.0' });
    const conn = connectWith(session);
    const first = session.accessToken;
    await conn.query(SOQL);
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));

    expect(sb.revokeTokens()).toBeGreaterThanOrEqual(1);
    await expect(connect(sb, first).query(SOQL)).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });

    const res = await conn.query(SOQL);
    expect(res.records).toHaveLength(3);
    expect(refreshed).toEqual([session.accessToken]);
    expect(session.accessToken).not.toBe(first);
    expect(conn.accessToken).toBe(session.accessToken);
  });

  it('over the admin API, refuses REST with INVALID_SESSION_ID and CometD with 401::Authentication invalid', async () => {
    const session = await openSession(jwtAuth(), { apiVersion: '62.0' });
    const conn = connectWith(session);
    const failures: unknown[] = [];
    const client = streamingClient(conn, '/data/OpportunityChangeEvent', -1, (m) => failures.push(m));
    try {
      await client.subscribe('/data/OpportunityChangeEvent', () => undefined);
      const res = await fetch(`${sb.url}/__sandbox/tokens/revoke`, { method: 'POST' });
      expect(await res.json()).toEqual({ revoked: expect.any(Number) });
      expect(sb.core.tokens.size).toBe(0);

      const rest = await fetch(`${sb.url}/services/data/v62.0/query?q=${encodeURIComponent(SOQL)}`, {
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      expect(rest.status).toBe(401);
      expect(await rest.json()).toEqual([
        { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
      ]);

      // The held /meta/connect returns within cometdTimeoutMs; the next one is refused.
      const refusal = await until(() => failures[0], 5000);
      expect(JSON.stringify(refusal)).toContain('401::Authentication invalid');
    } finally {
      client.disconnect();
    }
  });
});

describe('an org from the sf CLI store', () => {
  const sfHome = useIsolatedSfHome();

  it('opens an org stored by `sf org login jwt` by alias and refreshes through the core after revocation', async () => {
    // What `sf org login jwt --alias sbx` stores, written with the core's own API (the username goes
    // inside the options: given beside them, the core refuses to write over the prepared empty file).
    sfHome.emptyAuthFile(sb.integrationUsername);
    const authInfo = await AuthInfo.create({
      oauth2Options: {
        username: sb.integrationUsername,
        clientId: CLIENT_ID,
        privateKeyFile: keyFile,
        loginUrl: sb.url,
      },
    });
    await authInfo.save();
    await (await StateAggregator.getInstance()).aliases.setAndSave('sbx', sb.integrationUsername);

    const session = await openSession({ kind: 'sf-cli', org: 'sbx' }, { apiVersion: '62.0' });
    expect(session).toMatchObject({ kind: 'sf-cli', instanceUrl: sb.url, refreshable: true });
    expect(session.describe()).toBe(`sf CLI org ${sb.integrationUsername} (alias sbx) at ${sb.url}`);
    const conn = connectWith(session);
    await conn.query(SOQL);

    const before = session.accessToken;
    sb.revokeTokens();
    const res = await conn.query(SOQL);
    expect(res.records).toHaveLength(3);
    expect(session.accessToken).not.toBe(before);
    expect(sb.core.tokens.get(session.accessToken)).toBe(sb.integrationUserId);
  });

  it('opens an org stored with only an access token by username, and cannot refresh it', async () => {
    const username = 'seller1@sandbox.example';
    sfHome.emptyAuthFile(username);
    const state = await StateAggregator.getInstance();
    await state.orgs.read(username, false, false);
    state.orgs.set(username, {
      accessToken: sb.sellerToken,
      instanceUrl: sb.url,
      loginUrl: sb.url,
      orgId: '00D5g000000SBX1',
    });
    await state.orgs.write(username);

    const session = await openSession({ kind: 'sf-cli', org: username }, { apiVersion: '62.0' });
    expect(session).toMatchObject({ instanceUrl: sb.url, accessToken: sb.sellerToken, refreshable: false });
    expect(session.refreshFn).toBeUndefined();
    expect(session.describe()).toBe(`sf CLI org ${username} at ${sb.url}`);
    const err = await failure(session.refresh());
    expect(err.code).toBe('ORG_AUTH_FAILED');
    expect(err.message).toContain(`holds only an access token for "${username}"`);
    expect(err.message).not.toContain(sb.sellerToken);
  });
});
