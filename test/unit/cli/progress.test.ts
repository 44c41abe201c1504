import { createProgress, elapsed, type ProgressStream } from '../../../src/cli/progress';

function captureStream(isTTY: boolean): ProgressStream & { text: () => string } {
  let out = '';
  return {
    isTTY,
    write: (t: string) => {
      out += t;
      return true;
    },
    text: () => out,
  };
}

function fixedClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('the progress reporter on a terminal', () => {
  it('draws one line with a bar, the counts and the elapsed time, redrawn with a carriage return', () => {
    const stream = captureStream(true);
    const clock = fixedClock();
    const progress = createProgress({ stream, now: clock.now, barWidth: 10 });
    clock.advance(45_000);
    progress.update({ done: 12_345, total: 100_000 });
    expect(stream.text()).toBe('\r[#.........]  12,345 / 100,000 deals  45 s');
  });

  it('redraws at most every 100 ms, but always draws the final state', () => {
    const stream = captureStream(true);
    const clock = fixedClock();
    const progress = createProgress({ stream, now: clock.now, barWidth: 10 });
    progress.update({ done: 0, total: 1000 });
    for (let done = 10; done < 1000; done += 10) {
      clock.advance(10);
      progress.update({ done, total: 1000 });
    }
    clock.advance(10);
    progress.update({ done: 1000, total: 1000 });
    const draws = stream.text().split('\r').slice(1);
    // 1,000 ms of updates every 10 ms: the first draw, about one per 100 ms, and the final one.
    expect(draws.length).toBeLessThanOrEqual(12);
    expect(draws.length).toBeGreaterThanOrEqual(10);
    expect(draws[draws.length - 1].startsWith('[##########]  1,000 / 1,000 deals')).toBe(true);
  });

  it('ends the line with a newline on finish and ignores later updates', () => {
    const stream = captureStream(true);
    const clock = fixedClock();
    const progress = createProgress({ stream, now: clock.now, barWidth: 4 });
    progress.update({ done: 2, total: 4 });
    clock.advance(3_000);
    progress.finish();
    progress.update({ done: 4, total: 4 });
    expect(stream.text()).toBe('\r[##..]  2 / 4 deals  0 s\r[##..]  2 / 4 deals  3 s\n');
  });

  it('pads over a longer previous line so no stale characters remain', () => {
    const stream = captureStream(true);
    const clock = fixedClock();
    const progress = createProgress({ stream, now: clock.now, barWidth: 4, unit: 'items' });
    progress.update({ done: 5, total: 5 }); // "5 / 5"
    progress.update({ done: 5, total: 5 });
    const [, first, second] = stream.text().split('\r');
    expect(second.length).toBe(first.length);
  });

  it('shows a full bar when there is nothing to do, or more than counted got done', () => {
    const stream = captureStream(true);
    const progress = createProgress({ stream, now: fixedClock().now, barWidth: 4 });
    progress.update({ done: 0, total: 0 });
    progress.update({ done: 7, total: 5 });
    const draws = stream.text().split('\r').slice(1);
    expect(draws[0].startsWith('[####]  0 / 0 deals')).toBe(true);
    expect(draws[1].startsWith('[####]  7 / 7 deals')).toBe(true);
  });
});

describe('the progress reporter off a terminal', () => {
  it('prints a plain line at each 10 % step and no carriage returns', () => {
    const stream = captureStream(false);
    const clock = fixedClock();
    const progress = createProgress({ stream, now: clock.now });
    progress.update({ done: 0, total: 1000 });
    for (let done = 50; done <= 1000; done += 50) {
      clock.advance(1_000);
      progress.update({ done, total: 1000 });
    }
    progress.finish();
    const lines = stream.text().split('\n').filter(Boolean);
    expect(stream.text()).not.toContain('\r');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('100 / 1,000 deals  2 s (10 %)');
    expect(lines[9]).toBe('1,000 / 1,000 deals  20 s (100 %)');
  });

  it('prints the final state on finish when a sweep stopped between steps', () => {
    const stream = captureStream(false);
    const progress = createProgress({ stream, now: fixedClock().now });
    progress.update({ done: 450, total: 1000 });
    progress.finish();
    expect(stream.text().split('\n').filter(Boolean)).toEqual(['450 / 1,000 deals  0 s (45 %)']);
  });
});

describe('elapsed time', () => {
  it.each([
    [0, '0 s'],
    [45_900, '45 s'],
    [60_000, '1 min 00 s'],
    [185_000, '3 min 05 s'],
  ])('shows %d ms as %j', (ms, text) => {
    expect(elapsed(ms)).toBe(text);
  });
});
