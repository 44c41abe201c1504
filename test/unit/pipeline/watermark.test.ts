import { Watermark } from '../../../src/pipeline/watermark';

describe('the replay watermark', () => {
  it('advances only over events that are all finished, whatever order they finish in', () => {
    const mark = new Watermark(100);
    const a = mark.received(101);
    const b = mark.received(105);
    const c = mark.received(109);
    c();
    expect(mark.value).toBe(100);
    a();
    expect(mark.value).toBe(101);
    b();
    expect(mark.value).toBe(109);
    expect(mark.outstanding).toBe(0);
  });

  it('starts undefined without a stored checkpoint', () => {
    expect(new Watermark().value).toBeUndefined();
  });
});
