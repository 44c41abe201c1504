import { Watermark } from '../../../src/pipeline/watermark';

describe('the replay watermark', () => {
  it('advances only over events that are all finished, whatever order they finish in', () => {
    const mark = new Watermark(100);
    const a = mark.open(101);
    mark.hold(a);
    const b = mark.open(105);
    mark.hold(b);
    const c = mark.open(109);
    mark.hold(c);
    mark.release(c);
    expect(mark.value).toBe(100);
    mark.release(a);
    expect(mark.value).toBe(101);
    mark.release(b);
    expect(mark.value).toBe(109);
    expect(mark.outstanding).toBe(0);
  });

  it('lets an event without work of its own finish with the newest segment', () => {
    const mark = new Watermark(100);
    const a = mark.open(101);
    mark.hold(a, 2);
    mark.join(102);
    mark.join(103);
    mark.release(a);
    expect(mark.value).toBe(100);
    mark.release(a);
    expect(mark.value).toBe(103);
    // Nothing open: such an event is safe at once.
    mark.join(104);
    expect(mark.value).toBe(104);
  });

  it('joins a given segment only while it is the newest', () => {
    const mark = new Watermark(100);
    const a = mark.open(101);
    mark.hold(a);
    expect(mark.joinIf(a, 102)).toBe(true);
    const b = mark.open(103);
    mark.hold(b);
    expect(mark.joinIf(a, 104)).toBe(false);
    mark.release(a);
    expect(mark.value).toBe(102);
  });

  it('keeps few segments for many events on few deals', () => {
    const mark = new Watermark(0);
    const segs = [mark.open(1)];
    mark.hold(segs[0]);
    for (let id = 2; id <= 100_000; id++) mark.join(id);
    mark.release(segs[0]);
    expect(mark.value).toBe(100_000);
  });

  it('starts undefined without a stored checkpoint', () => {
    expect(new Watermark().value).toBeUndefined();
  });
});
