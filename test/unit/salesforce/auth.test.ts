import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { openSession, type OrgSession } from '../../../src/salesforce/auth';
import { createConnection } from '../../../src/salesforce/connection';
import { failure } from '../../support/failure';
import { captureLogs as captureServiceLogs, recordSecrets } from '../../support/log-capture';
import { useNock } from '../../support/nock';
import { useIsolatedSfHome } from '../../support/sf-home';

const LOGIN = 'https://login.salesforce.com';
const INSTANCE = 'https://acme.my.salesforce.com';
const NOW = Date.parse('2026-11-20T12:00:00Z');
const CLIENT_ID = '3MVG9consumerKey';
const USERNAME = 'integration@acme.example';
const TOKEN_1 = '00Dxx0000001gPL!AQ4AQFirstSecretToken';
const TOKEN_2 = '00Dxx0000001gPL!AQ4AQSecondSecretToken';

let dir: string;
let keyFile: string;
let publicKey: KeyObject;
useNock();
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'auth-'));
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKey = pair.publicKey;
  keyFile = path.join(dir, 'server.key');
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  writeFileSync(keyFile, pem);
  recordSecrets(pem, ...pem.split('\n').filter((line) => line.length >= 40));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// The shared capture: these lines also join the run-wide secret scan, with the tokens below.
const captureLogs = () => captureServiceLogs('trace');
recordSecrets(TOKEN_1, TOKEN_2);

const jwtAuth = (extra: Partial<{ keyFile: string; loginUrl: string }> = {}) => ({
  kind: 'jwt' as const,
  loginUrl: LOGIN,
  clientId: CLIENT_ID,
  username: USERNAME,
  keyFile,
  ...extra,
});
const open = (auth = jwtAuth(), logger = captureLogs().logger) =>
  openSession(auth, { apiVersion: '62.0', logger, now: () => NOW });

const granted = (token: string) => ({
  access_token: token,
  instance_url: INSTANCE,
  id: `${LOGIN}/id/00Dxx0000001gPLEAY/005xx000001SvNBAA0`,
  token_type: 'Bearer',
  scope: 'api',
});

interface TokenForm {
  grant_type: string;
  assertion: string;
}

/** The POST body as nock hands it over (a form string or already parsed), as an object. */
function formOf(body: unknown): TokenForm {
  const params = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : body;
  return params as TokenForm;
}

const tokenEndpoint = () => nock(LOGIN).matchHeader('content-type', 'application/x-www-form-urlencoded');

describe('a ready access token', () => {
  const auth = { kind: 'token' as const, instanceUrl: INSTANCE, accessToken: TOKEN_1 };

  it('is used as given and refuses to refresh, saying what to configure instead', async () => {
    const session = await openSession(auth, { apiVersion: '62.0' });
    expect(session).toMatchObject({
      kind: 'token',
      instanceUrl: INSTANCE,
      accessToken: TOKEN_1,
      refreshable: false,
    });
    expect(session.refreshFn).toBeUndefined();
    const err = await failure(session.refresh());
    expect(err.code).toBe('ORG_AUTH_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('a ready access token (SF_ACCESS_TOKEN) cannot be refreshed');
    expect(err.message).toContain('SF_ORG');
    expect(session.describe()).not.toContain(TOKEN_1);
  });
});

describe('the JWT bearer flow', () => {
  it('posts an RS256 assertion signed with the key file and takes the token and instance URL', async () => {
    let form: TokenForm | undefined;
    const scope = tokenEndpoint()
      .post('/services/oauth2/token', (body) => {
        form = formOf(body);
        return true;
      })
      .reply(200, granted(TOKEN_1));
    const session = await open();
    scope.done();
    expect(session).toMatchObject({
      kind: 'jwt',
      instanceUrl: INSTANCE,
      accessToken: TOKEN_1,
      refreshable: true,
    });
    expect(session.describe()).toBe(`JWT bearer as ${USERNAME} at ${LOGIN} (client ${CLIENT_ID})`);

    expect(form?.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const [header, claims, signature] = String(form?.assertion).split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({
      iss: CLIENT_ID,
      sub: USERNAME,
      aud: LOGIN,
      exp: NOW / 1000 + 180,
    });
    const signed = Buffer.from(`${header}.${claims}`);
    expect(verify('RSA-SHA256', signed, publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  it('posts to the sandbox login URL and names it as the audience', async () => {
    let aud: unknown;
    const scope = nock('https://test.salesforce.com')
      .post('/services/oauth2/token', (body) => {
        const claims = formOf(body).assertion.split('.')[1];
        aud = JSON.parse(Buffer.from(claims, 'base64url').toString()).aud;
        return true;
      })
      .reply(200, granted(TOKEN_1));
    await open(jwtAuth({ loginUrl: 'https://test.salesforce.com/' }));
    scope.done();
    expect(aud).toBe('https://test.salesforce.com');
  });

  it("reports Salesforce's refusal as ORG_AUTH_FAILED with its description and a fix", async () => {
    const scope = tokenEndpoint()
      .post('/services/oauth2/token')
      .reply(400, { error: 'invalid_grant', error_description: "user hasn't approved this consumer" });
    const err = await failure(open());
    scope.done();
    expect(err.code).toBe('ORG_AUTH_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("user hasn't approved this consumer (invalid_grant)");
    expect(err.message).toContain('pre-authorize the connected app');
    expect(err.message).toContain(USERNAME);
    expect(err.context).toMatchObject({ status: 400, oauthError: 'invalid_grant' });
  });

  it('treats a 5xx from the login server as a retryable NETWORK failure', async () => {
    const scope = tokenEndpoint().post('/services/oauth2/token').reply(503, '<html>Maintenance</html>');
    const err = await failure(open());
    scope.done();
    expect(err.code).toBe('NETWORK');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('HTTP 503');
  });

  it('treats an unreachable login server as a retryable NETWORK failure', async () => {
    const scope = tokenEndpoint()
      .post('/services/oauth2/token')
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const err = await failure(open());
    scope.done();
    expect(err.code).toBe('NETWORK');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`${LOGIN}/services/oauth2/token`);
  });

  it('rejects a success answer that is not a token response, without echoing it', async () => {
    const scope = tokenEndpoint()
      .post('/services/oauth2/token')
      .reply(200, { access_token: TOKEN_1, instance_url: 'not a url', id: 7 });
    const err = await failure(open());
    scope.done();
    expect(err.code).toBe('ORG_AUTH_FAILED');
    expect(err.message).toMatch(/instance_url: .*; id: /);
    expect(err.message).not.toContain(TOKEN_1);
    expect(JSON.stringify(err.context)).not.toContain(TOKEN_1);
  });

  it('rejects an HTML page answered with 200', async () => {
    const scope = tokenEndpoint().post('/services/oauth2/token').reply(200, '<html>Sign in</html>');
    const err = await failure(open());
    scope.done();
    expect(err.code).toBe('ORG_AUTH_FAILED');
    expect(err.message).toContain('not a token response');
  });

  describe('with a bad key file', () => {
    it('names SF_JWT_KEY_FILE when the file does not exist, before any request', async () => {
      const missing = path.join(dir, 'missing.key');
      const err = await failure(open(jwtAuth({ keyFile: missing })));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toBe(`SF_JWT_KEY_FILE (${missing}) does not exist`);
      expect(err.context).toMatchObject({ variable: 'SF_JWT_KEY_FILE' });
    });

    it('names SF_JWT_KEY_FILE and does not print the contents when the file is not a private key', async () => {
      const certLike = path.join(dir, 'public.pem');
      const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
      writeFileSync(certLike, pem);
      const garbage = path.join(dir, 'garbage.key');
      writeFileSync(garbage, 'SECRET-MATERIAL-NOT-A-KEY');
      for (const file of [certLike, garbage]) {
        const err = await failure(open(jwtAuth({ keyFile: file })));
        expect(err.code).toBe('CONFIG_INVALID');
        expect(err.message).toContain(`SF_JWT_KEY_FILE (${file}) is not a PEM private key`);
        expect(err.message).not.toContain('SECRET-MATERIAL');
        expect(err.message).not.toContain(pem.split('\n')[1]);
        expect(err.cause).toBeUndefined();
      }
    });

    it('refuses a non-RSA private key', async () => {
      const ec = path.join(dir, 'ec.key');
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(ec, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const err = await failure(open(jwtAuth({ keyFile: ec })));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain('needs an RSA key');
    });
  });

  describe('refreshing', () => {
    let session: OrgSession;
    beforeEach(async () => {
      const scope = tokenEndpoint().post('/services/oauth2/token').reply(200, granted(TOKEN_1));
      session = await open();
      scope.done();
    });

    it('makes one request for concurrent callers and gives them all the new token', async () => {
      const scope = tokenEndpoint().post('/services/oauth2/token').delay(50).reply(200, granted(TOKEN_2));
      const tokens = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
      scope.done();
      expect(tokens).toEqual([TOKEN_2, TOKEN_2, TOKEN_2]);
      expect(session.accessToken).toBe(TOKEN_2);
      // A later refresh is a new request, not the settled one.
      const again = tokenEndpoint().post('/services/oauth2/token').reply(200, granted('00Dxx!third'));
      await expect(session.refresh()).resolves.toBe('00Dxx!third');
      again.done();
    });

    it('lets the next caller try again after a failed refresh', async () => {
      const down = tokenEndpoint().post('/services/oauth2/token').reply(500);
      await expect(session.refresh()).rejects.toMatchObject({ code: 'NETWORK' });
      down.done();
      expect(session.accessToken).toBe(TOKEN_1);
      const up = tokenEndpoint().post('/services/oauth2/token').reply(200, granted(TOKEN_2));
      await expect(session.refresh()).resolves.toBe(TOKEN_2);
      up.done();
    });

    it('gives jsforce a refreshFn that repeats a refused request with the new token', async () => {
      const refresh = tokenEndpoint().post('/services/oauth2/token').reply(200, granted(TOKEN_2));
      const api = nock(INSTANCE)
        .get('/services/data/v62.0/query')
        .query(true)
        .matchHeader('authorization', `Bearer ${TOKEN_1}`)
        .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }])
        .get('/services/data/v62.0/query')
        .query(true)
        .matchHeader('authorization', `Bearer ${TOKEN_2}`)
        .reply(200, { totalSize: 0, done: true, records: [] });
      const conn = createConnection({
        instanceUrl: session.instanceUrl,
        accessToken: session.accessToken,
        apiVersion: '62.0',
        clientId: 'commitment-scorer',
        refreshFn: session.refreshFn,
      });
      const result = await conn.query('SELECT Id FROM Opportunity');
      expect(result.totalSize).toBe(0);
      expect(conn.accessToken).toBe(TOKEN_2);
      refresh.done();
      api.done();
    });
  });

  it('never lets a token or the assertion reach the logs or an error message', async () => {
    const { lines, logger } = captureLogs();
    let assertion = '';
    const scope = tokenEndpoint()
      .post('/services/oauth2/token', (body) => {
        assertion = formOf(body).assertion;
        return true;
      })
      .reply(200, granted(TOKEN_1))
      .post('/services/oauth2/token')
      .reply(400, { error: 'invalid_grant', error_description: 'expired authorization code' })
      .post('/services/oauth2/token')
      .reply(200, { access_token: TOKEN_2, instance_url: 42, id: 'x' });
    const session = await open(jwtAuth(), logger);
    const errors = [await failure(session.refresh()), await failure(session.refresh())];
    scope.done();
    const out = lines.join('') + errors.map((e) => `${e.message} ${JSON.stringify(e.context)}`).join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(assertion.length).toBeGreaterThan(100);
    for (const secret of [TOKEN_1, TOKEN_2, assertion, assertion.split('.')[2]]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('expired authorization code');
  });
});

describe('an org from the sf CLI store', () => {
  useIsolatedSfHome();

  it('says how to log in when the alias is unknown', async () => {
    const err = await failure(openSession({ kind: 'sf-cli', org: 'acme-prod' }, { apiVersion: '62.0' }));
    expect(err.code).toBe('ORG_AUTH_FAILED');
    expect(err.message).toContain('the sf CLI knows no org "acme-prod"');
    expect(err.message).toContain('sf org login web --alias acme-prod');
    expect(err.context).toMatchObject({ variable: 'SF_ORG', org: 'acme-prod' });
  });
});
