/**
 * /readyz is ready only when every check is: each part of the service (lease, credentials,
 * subscription, write path, STATE_DIR) adds a check, and a 503 names every reason at once, so an
 * operator fixing one problem is not surprised by the next.
 */
export type ReadinessCheck = () => string | undefined | Promise<string | undefined>;

export function combineReadiness(checks: ReadinessCheck[]): () => Promise<string | undefined> {
  return async () => {
    const reasons: string[] = [];
    for (const check of checks) {
      const reason = await check();
      if (reason !== undefined && !reasons.includes(reason)) reasons.push(reason);
    }
    return reasons.length === 0 ? undefined : reasons.join('; ');
  };
}
