/** Items worked on at most `atOnce` at a time, the rest waiting in line in arrival order. */
export class WorkLine<T> {
  private readonly line: T[] = [];
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly atOnce: number,
    private readonly work: (item: T) => Promise<void>,
  ) {}

  /** Waiting and running. */
  get size(): number {
    return this.line.length + this.running;
  }

  push(item: T): void {
    this.line.push(item);
    this.next();
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): void {
    while (this.running < this.atOnce && this.line.length > 0) {
      const item = this.line.shift() as T;
      this.running++;
      void this.work(item).finally(() => {
        this.running--;
        this.next();
        if (this.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }
}
