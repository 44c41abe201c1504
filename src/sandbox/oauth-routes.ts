/**
 * The OAuth 2.0 JWT bearer grant at POST /services/oauth2/token, shaped like Salesforce's: a
 * connected app (client id + certificate) is registered with `startSandbox({ jwtClients })`, only
 * the integration user is pre-authorized for it, and failures answer 400 with Salesforce's
 * `{error, error_description}` texts. `revokeTokens` lets tests force every session to expire.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { SandboxCore } from './core';
import { to18 } from './store';

export interface JwtClient {
  /** The connected app's consumer key: the `iss` of its assertions. */
  clientId: string;
  /** The public half of the key the app signs with (PEM: SPKI public key or X.509 certificate). */
  publicKeyPem: string;
}

export interface OAuthOptions {
  jwtClients: JwtClient[];
  /** The sandbox's own base URL, a valid audience next to Salesforce's login URLs (known once listening). */
  selfUrl: () => string;
  /** The one user pre-authorized for the registered apps. */
  integrationUserId: string;
}

const ORG_ID15 = '00D5g000000SBX1';
export const ORG_ID = to18(ORG_ID15);
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SALESFORCE_AUDIENCES = ['https://login.salesforce.com', 'https://test.salesforce.com'];

/** An access token shaped like Salesforce's (`<org id>!<opaque>`), which @salesforce/core recognises. */
export const newToken = (): string => `${ORG_ID15}!${randomBytes(24).toString('base64url')}`;

/** Every current access token stops working: REST answers INVALID_SESSION_ID, CometD `401::Authentication invalid`. */
export function revokeTokens(core: SandboxCore): number {
  const n = core.tokens.size;
  core.tokens.clear();
  return n;
}

class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

// Salesforce's own texts for the JWT bearer flow.
const invalidAssertion = () => new OAuthError('invalid_grant', 'invalid assertion');
const notApproved = () => new OAuthError('invalid_grant', "user hasn't approved this consumer");

interface Claims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  exp?: unknown;
}

function decodePart(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null) throw invalidAssertion();
  return value as Record<string, unknown>;
}

/** Checks the compact JWS: three parts, RS256, a registered issuer whose key verifies the signature. */
function verifiedClaims(assertion: string, keys: Map<string, KeyObject>): Claims {
  const parts = assertion.split('.');
  if (parts.length !== 3) throw invalidAssertion();
  let header: Record<string, unknown>;
  let claims: Claims;
  try {
    header = decodePart(parts[0]);
    claims = decodePart(parts[1]);
  } catch {
    throw invalidAssertion();
  }
  if (header.alg !== 'RS256') throw invalidAssertion();
  const key = typeof claims.iss === 'string' ? keys.get(claims.iss) : undefined;
  if (!key) throw new OAuthError('invalid_client_id', 'client identifier invalid');
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  if (!verify('RSA-SHA256', signed, key, Buffer.from(parts[2], 'base64url'))) throw invalidAssertion();
  return claims;
}

const trimSlash = (u: string): string => u.replace(/\/+$/, '');

export function oauthRoutes(core: SandboxCore, opts: OAuthOptions): Router {
  const keys = new Map(opts.jwtClients.map((c) => [c.clientId, createPublicKey(c.publicKeyPem)]));
  const r = express.Router();
  r.post('/token', express.urlencoded({ extended: false }), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      if (body.grant_type !== JWT_BEARER) {
        throw new OAuthError('unsupported_grant_type', 'grant type not supported');
      }
      if (typeof body.assertion !== 'string') throw invalidAssertion();
      const claims = verifiedClaims(body.assertion, keys);
      const audiences = [...SALESFORCE_AUDIENCES, trimSlash(opts.selfUrl())];
      if (typeof claims.aud !== 'string' || !audiences.includes(trimSlash(claims.aud))) {
        throw new OAuthError('invalid_grant', 'audience is invalid');
      }
      // `exp` is in seconds since the epoch, compared with the sandbox clock so tests can age a token.
      if (typeof claims.exp !== 'number' || claims.exp * 1000 <= core.clock.now()) {
        throw new OAuthError('invalid_grant', 'expired authorization code');
      }
      const user = core.store.get('User', opts.integrationUserId);
      if (typeof claims.sub !== 'string' || !user || user.Username !== claims.sub) throw notApproved();
      const accessToken = newToken();
      core.tokens.set(accessToken, user.Id);
      const url = trimSlash(opts.selfUrl());
      res.json({
        access_token: accessToken,
        scope: 'api',
        instance_url: url,
        id: `${url}/id/${ORG_ID}/${user.Id}`,
        token_type: 'Bearer',
        issued_at: String(core.clock.now()),
      });
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      res.status(400).json({ error: err.error, error_description: err.description });
    }
  });
  return r;
}
