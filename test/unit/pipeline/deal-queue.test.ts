import pino from 'pino';
import { DealQueue, type DealQueueOptions } from '../../../src/pipeline/deal-queue';
import { Watermark } from '../../../src/pipeline/watermark';

const until = async (check: () => boolean, timeoutMs = 5000): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

function aQueue(overrides: Partial<DealQueueOptions> = {}) {
  const watermark = new Watermark(100);
  const submitted: string[] = [];
  const queue = new DealQueue({
    watermark,
    submit: async (ids) => void submitted.push(...ids),
    busy: () => 0,
    maxBusy: 400,
    cap: 1000,
    retryDelayMs: () => 10,
    worthRetrying: () => true,
    onFailing: () => undefined,
    onFailedForGood: async () => undefined,
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
  return { queue, watermark, submitted };
}

const X = '006000000000001AAA';

describe('the per-deal queue', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('hands a held deal over once the batch path has room again, with no further event to wake it', async () => {
    let busy = 500; // a sweep's chunks fill the batch path; none of ours is in it
    const { queue, watermark, submitted } = aQueue({ busy: () => busy });
    stop = () => queue.stop();
    const seg = watermark.open(101);
    queue.add(X, seg, 101, undefined);
    watermark.settle();
    await new Promise((r) => setTimeout(r, 50));
    expect(submitted).toEqual([]);
    busy = 0; // the sweep drained; no event arrives
    await until(() => submitted.length === 1);
    await queue.idle();
    expect(watermark.value).toBe(101);
  });

  it('counts a deal named again during its batch until the second batch is done too', async () => {
    const releases: (() => void)[] = [];
    const { queue, watermark } = aQueue({
      submit: () => new Promise<void>((resolve) => releases.push(resolve)),
    });
    stop = () => queue.stop();
    queue.add(X, watermark.open(101), 101, undefined);
    watermark.settle();
    await until(() => releases.length === 1);
    // A later change to the same deal while its first batch runs: it must be scored again after it.
    queue.add(X, watermark.open(102), 102, undefined);
    watermark.settle();
    await until(() => releases.length === 2);
    let idle = false;
    void queue.idle().then(() => (idle = true));
    releases[0]();
    await new Promise((r) => setTimeout(r, 20));
    expect(queue.size).toBe(1);
    expect(idle).toBe(false);
    expect(watermark.value).toBe(101);
    releases[1]();
    await until(() => idle);
    expect(queue.size).toBe(0);
    expect(watermark.value).toBe(102);
  });
});
