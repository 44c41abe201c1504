/**
 * The sweep's progress on the CLI. On a terminal: one line redrawn in place, at most every 100 ms
 * (a 100,000-deal sweep settles 500 chunks; redrawing each is flicker, not information). Not on a
 * terminal (CI logs, `> file`, a pipe): a plain line at each 10 % step, because carriage returns there
 * pile up into one unreadable line, yet a long sweep with no output at all looks hung; ten lines say
 * it is alive without flooding the log.
 */

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Milliseconds; Date.now by default, a fixed clock in tests. */
  now?: () => number;
  /** What is counted, e.g. `deals`. */
  unit?: string;
  /** Characters inside the brackets. */
  barWidth?: number;
  /** Least time between two redraws on a terminal. */
  minRedrawMs?: number;
}

export interface Progress {
  update(p: { done: number; total: number }): void;
  /** Draws the final state and ends the line; later updates are ignored. */
  finish(): void;
}

const numberFormat = new Intl.NumberFormat('en-US');

export function createProgress(options: ProgressOptions): Progress {
  const { stream } = options;
  const now = options.now ?? Date.now;
  const unit = options.unit ?? 'deals';
  const width = options.barWidth ?? 30;
  const minRedrawMs = options.minRedrawMs ?? 100;
  const startedAt = now();
  let state = { done: 0, total: 0 };
  let drawn: string | undefined; // the last state written, as text
  let lastDrawAt = -Infinity;
  let lineLength = 0;
  let lastStep = 0; // the 10 % steps printed off a terminal; nothing at 0 %
  let finished = false;

  const text = (): string => {
    const total = Math.max(state.total, state.done);
    const counts = `${numberFormat.format(state.done)} / ${numberFormat.format(total)} ${unit}`;
    return `${counts}  ${elapsed(now() - startedAt)}`;
  };

  const drawTty = (): void => {
    const line = `${bar(state.done, state.total, width)}  ${text()}`;
    // Pad over the previous line's tail instead of an erase escape, so the output stays plain text.
    stream.write(`\r${line.padEnd(lineLength)}`);
    lineLength = line.length;
    drawn = key();
    lastDrawAt = now();
  };

  const key = (): string => `${state.done}/${state.total}`;

  const printLine = (): void => {
    stream.write(`${text()} (${percent(state.done, state.total)} %)\n`);
    drawn = key();
  };

  return {
    update(p) {
      if (finished) return;
      state = { done: p.done, total: p.total };
      if (stream.isTTY) {
        const complete = state.done >= state.total;
        if (complete || now() - lastDrawAt >= minRedrawMs) drawTty();
        return;
      }
      const step = Math.floor(percent(state.done, state.total) / 10);
      if (step > lastStep) {
        lastStep = step;
        printLine();
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      if (stream.isTTY) {
        drawTty();
        stream.write('\n');
      } else if (drawn !== key()) {
        printLine();
      }
    },
  };
}

/** `[#######.......]`: the share done, full when there is nothing to do. */
export function bar(done: number, total: number, width: number): string {
  const filled = Math.round((percent(done, total) / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Whole per cent done, 0–100; 100 when the total is zero or was overtaken. */
function percent(done: number, total: number): number {
  if (total <= 0 || done >= total) return 100;
  return Math.floor((done / total) * 100);
}

/** `45 s`, `3 min 05 s`. */
export function elapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}
