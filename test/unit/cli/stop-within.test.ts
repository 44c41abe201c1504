import { stopWithin } from '../../../src/cli/service-commands';
import { combineReadiness } from '../../../src/http/readiness';

describe('stopping serve', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('gives up on a close that hangs once the deadline passes', async () => {
    const onLate = jest.fn();
    void stopWithin(new Promise<void>(() => undefined), 15_000, onLate);
    jest.advanceTimersByTime(14_999);
    expect(onLate).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(onLate).toHaveBeenCalledTimes(1);
  });

  it('does nothing more when the close finishes in time', async () => {
    const onLate = jest.fn();
    await stopWithin(Promise.resolve(), 15_000, onLate);
    jest.advanceTimersByTime(60_000);
    expect(onLate).not.toHaveBeenCalled();
  });
});

describe('readiness', () => {
  it('names every reason at once, each once', async () => {
    const reason = combineReadiness([
      () => undefined,
      () => 'standby: another service holds the lease',
      async () => 'STATE_DIR cannot be written',
      () => 'standby: another service holds the lease',
    ]);
    expect(await reason()).toBe('standby: another service holds the lease; STATE_DIR cannot be written');
    expect(await combineReadiness([() => undefined])()).toBeUndefined();
  });
});
