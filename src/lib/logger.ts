import pino, { type Logger, type DestinationStream } from 'pino';

/**
 * Paths whose values are secrets. pino redacts by object path only, so secrets must never be
 * interpolated into message strings: log them (if at all) as fields, and they are censored here.
 */
export const REDACT_PATHS = [
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'refreshToken',
  '*.refreshToken',
  'refresh_token',
  '*.refresh_token',
  'assertion',
  '*.assertion',
  'privateKey',
  '*.privateKey',
  'token',
  '*.token',
  'adminToken',
  '*.adminToken',
  'readToken',
  '*.readToken',
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'req.headers.authorization',
  'err.config.headers.Authorization',
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a capture stream. */
  destination?: DestinationStream;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'commitment-scorer',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
    },
    options.destination,
  );
}

export type { Logger };
