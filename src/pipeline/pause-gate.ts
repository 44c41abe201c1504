/**
 * Holds batches back while the org has told us to stop (REQUEST_LIMIT_EXCEEDED, or our own share of
 * the daily API budget). Every batch waits here before its first query, so a paused service makes no
 * calls at all instead of failing each batch against the limit.
 */
export class PauseGate {
  private until = 0;
  private why: string | undefined;
  private wake: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Why batches are held, or undefined when they are not. */
  get reason(): string | undefined {
    return this.now() < this.until ? this.why : undefined;
  }

  pauseFor(ms: number, reason: string): void {
    this.until = Math.max(this.until, this.now() + ms);
    this.why = reason;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.release(), Math.max(0, this.until - this.now()));
    this.timer.unref();
  }

  /** Lets everything through now (the pause ended, or the service is closing). */
  release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.until = 0;
    this.why = undefined;
    for (const wake of this.wake.splice(0)) wake();
  }

  async wait(): Promise<void> {
    if (this.now() >= this.until) return;
    await new Promise<void>((resolve) => this.wake.push(resolve));
  }
}
