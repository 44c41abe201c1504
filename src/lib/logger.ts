import pino, { type Logger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

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
  /** Human-readable lines; by default when the lines go to a terminal (stdout or stderr), JSON otherwise. */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const target = options.destination ?? process.stdout;
  const isStd = target === process.stdout || target === process.stderr;
  const tty = isStd && (target as NodeJS.WriteStream).isTTY === true;
  // pino redacts before it serialises, so the pretty lines are censored like the JSON ones. In
  // process and synchronous: a worker-thread transport could lose the last lines of a crash.
  const stream =
    (options.pretty ?? tty)
      ? pretty({ colorize: tty, sync: true, destination: target === process.stderr ? 2 : isStd ? 1 : target })
      : options.destination;
  return pino(
    {
      name: options.name ?? 'commitment-scorer',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
    },
    stream,
  );
}

export type { Logger };
