import { z } from 'zod';
import { ScorerError } from '../lib/errors';
import { parseInterval } from '../pipeline/sweep-scheduler';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** The environment variables of the README's Configuration section. Empty strings count as unset. */
export const envSchema = z
  .object({
    SF_ORG: optionalText,
    SF_LOGIN_URL: z
      .url({ message: 'must be a URL such as https://login.salesforce.com' })
      .default('https://login.salesforce.com'),
    SF_CLIENT_ID: optionalText,
    SF_USERNAME: optionalText,
    SF_JWT_KEY_FILE: optionalText,
    SF_INSTANCE_URL: z.url({ message: 'must be a URL such as https://acme.my.salesforce.com' }).optional(),
    SF_ACCESS_TOKEN: optionalText,
    SF_API_VERSION: z
      .string()
      .regex(/^\d{2}\.0$/, 'must look like 62.0')
      .default('62.0'),
    CDC_CHANNEL: z
      .string()
      .regex(/^\/data\/[A-Za-z0-9_]+$/, 'must be a change-event channel such as /data/OpportunityChangeEvent')
      .default('/data/Commitment_Scorer__chn'), // the custom channel manifests/ ships: Opportunity plus the related objects
    SCORER_CLIENT_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, _ or -')
      .default('commitment-scorer'),
    INTEGRATION_USER_ID: z
      .string()
      .regex(/^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/, 'must be a User Id (005…, 15 or 18 characters)')
      .optional(),
    PORT: z.coerce.number().int('must be a whole number').min(0).max(65535).default(3000),
    // Loopback unless told otherwise: the container sets 0.0.0.0, a laptop demo stays private.
    HOST: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.:_-]{1,253}$/, 'must be an interface address such as 127.0.0.1 or 0.0.0.0')
      .default('127.0.0.1'),
    STATE_DIR: z.string().min(1).default('./.state'),
    RULES_FILE: optionalText,
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    READ_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    SWEEP_INTERVAL: z
      .string()
      .default('24h')
      .superRefine((value, ctx) => {
        try {
          parseInterval(value);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }),
    // How often the org is asked (1 API call) whether records changed that no event announced.
    DRIFT_CHECK_INTERVAL: z
      .string()
      .default('5m')
      .superRefine((value, ctx) => {
        try {
          parseInterval(value);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }),
    // The longest wait between delayed retries of a row another transaction keeps locked.
    LOCK_RETRY_MAX_DELAY: z
      .string()
      .default('5m')
      .superRefine((value, ctx) => {
        try {
          if (parseInterval(value) === undefined) ctx.addIssue({ code: 'custom', message: 'cannot be off' });
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }),
    // How many delayed retries a locked row gets before it is dead-lettered.
    LOCK_RETRY_ATTEMPTS: z.coerce
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(1000, 'must be at most 1000')
      .default(20),
    // Most changed deals held in memory; beyond it a catch-up sweep by SystemModstamp covers the rest.
    MAX_PENDING_DEALS: z.coerce
      .number()
      .int('must be a whole number')
      .min(100, 'must be at least 100')
      .max(10_000_000, 'must be at most 10000000')
      .default(50_000),
    MAX_API_USAGE: z.coerce
      .number()
      .int('must be a whole percentage')
      .min(1, 'must be 1-100')
      .max(100, 'must be 1-100')
      .default(80),
    LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.SF_ACCESS_TOKEN && !env.SF_INSTANCE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['SF_INSTANCE_URL'],
        message: 'is required when SF_ACCESS_TOKEN is set',
      });
    }
    if (env.SF_INSTANCE_URL && !env.SF_ACCESS_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SF_ACCESS_TOKEN'],
        message: 'is required when SF_INSTANCE_URL is set',
      });
    }
    const jwt = [env.SF_CLIENT_ID, env.SF_USERNAME, env.SF_JWT_KEY_FILE];
    if (jwt.some(Boolean) && !jwt.every(Boolean)) {
      const missing = (['SF_CLIENT_ID', 'SF_USERNAME', 'SF_JWT_KEY_FILE'] as const).filter((k) => !env[k]);
      for (const name of missing) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is required for the JWT bearer flow' });
      }
    }
  });

export type Env = z.infer<typeof envSchema>;

export type OrgAuth =
  | { kind: 'token'; instanceUrl: string; accessToken: string }
  | { kind: 'jwt'; loginUrl: string; clientId: string; username: string; keyFile: string }
  | { kind: 'sf-cli'; org: string }
  | { kind: 'sandbox' };

/** Parses the environment once; the error names every offending variable. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const result = envSchema.safeParse(picked);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`,
  );
  throw new ScorerError('CONFIG_INVALID', `Invalid configuration: ${problems.join('; ')}`, {
    context: { variables: result.error.issues.map((i) => String(i.path[0])) },
  });
}

/** Which way to reach the org: a ready token wins, then JWT, then the sf CLI store, else the sandbox. */
export function orgAuthFrom(env: Env): OrgAuth {
  if (env.SF_ACCESS_TOKEN && env.SF_INSTANCE_URL) {
    return { kind: 'token', instanceUrl: env.SF_INSTANCE_URL, accessToken: env.SF_ACCESS_TOKEN };
  }
  if (env.SF_CLIENT_ID && env.SF_USERNAME && env.SF_JWT_KEY_FILE) {
    return {
      kind: 'jwt',
      loginUrl: env.SF_LOGIN_URL,
      clientId: env.SF_CLIENT_ID,
      username: env.SF_USERNAME,
      keyFile: env.SF_JWT_KEY_FILE,
    };
  }
  if (env.SF_ORG) return { kind: 'sf-cli', org: env.SF_ORG };
  return { kind: 'sandbox' };
}
