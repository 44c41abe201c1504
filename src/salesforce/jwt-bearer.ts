/**
 * The OAuth 2.0 JWT bearer flow (headless production): sign a short-lived assertion with the
 * connected app's private key and trade it at the login URL for an access token. jsforce can post
 * the grant but has no signer, so the RS256 signature is made here with node:crypto.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ScorerError } from '../lib/errors';

export interface JwtSettings {
  loginUrl: string;
  clientId: string;
  username: string;
  keyFile: string;
}

export interface MintedToken {
  accessToken: string;
  instanceUrl: string;
  /** The identity URL, `…/id/<org id>/<user id>`. */
  id: string;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Salesforce accepts an assertion for at most a few minutes; 3 leaves room for a slow clock. */
const ASSERTION_LIFETIME_S = 180;
const REQUEST_TIMEOUT_MS = 30_000;

const tokenResponse = z.object({
  access_token: z.string().min(1),
  instance_url: z.url(),
  id: z.string().min(1),
  token_type: z.string().optional(),
  scope: z.string().optional(),
});
const errorResponse = z.object({ error: z.string(), error_description: z.string().optional() });

/** What to do about Salesforce's usual refusals; the description itself is shown as sent. */
const HINTS: Record<string, string> = {
  "user hasn't approved this consumer":
    'pre-authorize the connected app for the user (Permitted Users: admin approved users are pre-authorized, plus its profile or permission set)',
  'audience is invalid':
    'SF_LOGIN_URL must be https://login.salesforce.com (production), https://test.salesforce.com (sandbox) or the My Domain URL',
  'expired authorization code':
    "the machine's clock is probably off; the assertion expires 3 minutes after signing",
  'client identifier invalid': "SF_CLIENT_ID must be the connected app's consumer key",
  'invalid assertion':
    'SF_JWT_KEY_FILE must be the private key of the certificate uploaded to the connected app',
};

const keyError = (keyFile: string, why: string, cause?: unknown): ScorerError =>
  new ScorerError('CONFIG_INVALID', `SF_JWT_KEY_FILE (${keyFile}) ${why}`, {
    context: { variable: 'SF_JWT_KEY_FILE', keyFile },
    // A parse error could quote the file; keep only the file-system error, which names the path.
    ...(cause ? { cause } : {}),
  });

/** Reads the PEM private key; the error names the variable and the path, never the file's contents. */
export async function readPrivateKey(keyFile: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(keyFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    throw keyError(keyFile, why, err);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw keyError(
      keyFile,
      'is not a PEM private key (expected -----BEGIN PRIVATE KEY----- or RSA PRIVATE KEY)',
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw keyError(
      keyFile,
      `holds a ${String(key.asymmetricKeyType)} key; the JWT bearer flow needs an RSA key`,
    );
  }
  return key;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact RS256 JWS with the claims Salesforce checks: iss, sub, aud (the login URL) and exp (seconds). */
export function signAssertion(settings: JwtSettings, key: KeyObject, nowMs: number): string {
  const header = base64url({ alg: 'RS256', typ: 'JWT' });
  const claims = base64url({
    iss: settings.clientId,
    sub: settings.username,
    aud: settings.loginUrl.replace(/\/+$/, ''),
    exp: Math.floor(nowMs / 1000) + ASSERTION_LIFETIME_S,
  });
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), key).toString('base64url');
  return `${header}.${claims}.${signature}`;
}

export function tokenEndpoint(loginUrl: string): string {
  return `${loginUrl.replace(/\/+$/, '')}/services/oauth2/token`;
}

/**
 * Trades a signed assertion for an access token. A refusal (4xx) is ORG_AUTH_FAILED with Salesforce's
 * description; 5xx and network failures are NETWORK (retryable). Neither message carries a secret.
 */
export async function requestJwtToken(settings: JwtSettings, assertion: string): Promise<MintedToken> {
  const url = tokenEndpoint(settings.loginUrl);
  const who = `JWT bearer login as ${settings.username} at ${settings.loginUrl}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new ScorerError('NETWORK', `${who} failed: could not reach ${url} (${detail})`, {
      cause: err,
      context: { loginUrl: settings.loginUrl },
    });
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 500) {
    throw new ScorerError('NETWORK', `${who} failed: the token endpoint answered HTTP ${res.status}`, {
      context: { loginUrl: settings.loginUrl, status: res.status },
    });
  }
  const body = parseJson(text);
  if (!res.ok) {
    const refusal = errorResponse.safeParse(body);
    const reason = refusal.success
      ? `${refusal.data.error_description ?? refusal.data.error} (${refusal.data.error})`
      : `HTTP ${res.status}`;
    const hint = refusal.success ? HINTS[refusal.data.error_description ?? ''] : undefined;
    throw new ScorerError('ORG_AUTH_FAILED', `${who} was refused: ${reason}${hint ? `; ${hint}` : ''}`, {
      context: {
        loginUrl: settings.loginUrl,
        status: res.status,
        ...(refusal.success ? { oauthError: refusal.data.error } : {}),
      },
    });
  }
  const ok = tokenResponse.safeParse(body);
  if (!ok.success) {
    // Only the paths and expectations go into the message: the body may hold a token.
    const problems = ok.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new ScorerError(
      'ORG_AUTH_FAILED',
      `${who} failed: the token endpoint's answer is not a token response (${problems})`,
      {
        context: { loginUrl: settings.loginUrl, status: res.status },
      },
    );
  }
  return { accessToken: ok.data.access_token, instanceUrl: ok.data.instance_url, id: ok.data.id };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
