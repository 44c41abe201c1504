import type { Connection } from 'jsforce';

/**
 * The org's daily API usage as a share of its allocation, from the last `Sforce-Limit-Info:
 * api-usage=used/limit` header jsforce saw (it arrives on every REST response). Undefined until a
 * response has carried the header.
 */
export function apiUsageRatio(conn: Pick<Connection, 'limitInfo'>): number | undefined {
  const usage = conn.limitInfo?.apiUsage;
  if (!usage || !Number.isFinite(usage.used) || !(usage.limit > 0)) return undefined;
  return usage.used / usage.limit;
}

/**
 * The default share of the daily allocation above which we stop writing. The allocation is shared
 * by every integration and user of the org, and exhausting it (REQUEST_LIMIT_EXCEEDED) locks all of
 * them out, not just us; scores can wait, so we stop well before and leave the rest to the org.
 */
export const DEFAULT_MAX_API_USAGE = 0.8;
