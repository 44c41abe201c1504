/**
 * The sandbox's notion of "now". It runs with real time plus an offset, so event retention (72 h)
 * and date literals (TODAY, LAST_N_DAYS) can be tested by moving the clock instead of waiting.
 */
export class SandboxClock {
  private offsetMs = 0;

  constructor(start?: Date) {
    if (start) this.set(start);
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  date(): Date {
    return new Date(this.now());
  }

  iso(): string {
    return this.date().toISOString();
  }

  /** Today's date (UTC) as YYYY-MM-DD. */
  today(): string {
    return this.iso().slice(0, 10);
  }

  set(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export const DAY_MS = 86_400_000;

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
