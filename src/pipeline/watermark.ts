/**
 * The replay id that is safe to store: the newest one such that every event received up to it has
 * been written or dead-lettered. Events finish out of order (a later batch can finish first), so
 * storing the newest finished id would skip unfinished ones after a crash.
 *
 * Memory follows the work, not the events: events are grouped into segments in arrival order, and a
 * segment counts the pieces of work still open on it (a deal waiting for its batch, a lookup, a
 * catch-up sweep). An event that brings no work of its own (every deal it names is already waiting,
 * or it is skipped) joins the newest segment and finishes with it, so a backlog of 100,000 changes
 * to 20,000 deals holds at most one segment per waiting deal. When the first segment's work is all
 * done, its newest replay id becomes safe.
 */

export interface Segment {
  /** The newest replay id of the events in this segment. */
  last: number;
  /** Pieces of work still open on it. */
  open: number;
}

export class Watermark {
  private segments: Segment[] = [];
  private head = 0;
  private safe: number | undefined;
  private openTotal = 0;

  /** `onAdvance` is told whenever the safe id moves (to schedule a checkpoint save). */
  constructor(
    initial?: number,
    private readonly onAdvance?: () => void,
  ) {
    this.safe = initial;
  }

  /** An event that brings work: a new segment for it; `hold` it once per piece of work. */
  open(replayId: number): Segment {
    const seg = { last: replayId, open: 0 };
    this.segments.push(seg);
    return seg;
  }

  /** An event with no work of its own: it finishes with the newest segment, or now if none is open. */
  join(replayId: number): void {
    const tail = this.tail();
    if (tail) tail.last = replayId;
    else {
      this.safe = replayId;
      this.onAdvance?.();
    }
  }

  /** Joins `seg` when it is still the newest segment (its work then covers this event too). */
  joinIf(seg: Segment, replayId: number): boolean {
    if (this.tail() !== seg) return false;
    seg.last = replayId;
    return true;
  }

  hold(seg: Segment, n = 1): void {
    seg.open += n;
    this.openTotal += n;
  }

  release(seg: Segment, n = 1): void {
    seg.open -= n;
    this.openTotal -= n;
    this.settle();
  }

  /** Moves the safe id over finished segments; call after opening a segment that got no work. */
  settle(): void {
    const before = this.safe;
    while (this.head < this.segments.length && this.segments[this.head].open <= 0) {
      this.safe = this.segments[this.head].last;
      this.head++;
    }
    if (this.safe !== before) this.onAdvance?.();
    // Drop the finished prefix now and then rather than shifting the array on every segment.
    if (this.head > 1024 && this.head * 2 > this.segments.length) {
      this.segments = this.segments.slice(this.head);
      this.head = 0;
    }
  }

  get value(): number | undefined {
    return this.safe;
  }

  /** Pieces of work still open. */
  get outstanding(): number {
    return this.openTotal;
  }

  private tail(): Segment | undefined {
    return this.head < this.segments.length ? this.segments[this.segments.length - 1] : undefined;
  }
}
