/**
 * The replay id that is safe to store: the newest one such that every event received up to it has
 * been written or dead-lettered. Events finish out of order (a later batch can finish first), so
 * storing the newest finished id would skip unfinished ones after a crash.
 */
export class Watermark {
  private readonly inFlight: { replayId: number; done: boolean }[] = [];
  private safe: number | undefined;

  constructor(initial?: number) {
    this.safe = initial;
  }

  /** Registers an event in arrival order; returns the function that marks it finished. */
  received(replayId: number): () => void {
    const entry = { replayId, done: false };
    this.inFlight.push(entry);
    return () => {
      entry.done = true;
      while (this.inFlight.length > 0 && this.inFlight[0].done) {
        this.safe = (this.inFlight.shift() as { replayId: number }).replayId;
      }
    };
  }

  get value(): number | undefined {
    return this.safe;
  }

  get outstanding(): number {
    return this.inFlight.length;
  }
}
