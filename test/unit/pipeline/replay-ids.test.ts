import pino from 'pino';
import { EventIntake } from '../../../src/pipeline/intake';
import { parseChangeEvent, replayIdOf, routeEvent } from '../../../src/pipeline/route-event';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import type { DeadLetter } from '../../../src/state/dead-letters';

/**
 * Regressions found by the fuzz proof: a message whose replay id is not an event id (-1 and -2 are
 * subscription sentinels; past 2^53 ids cannot be compared exactly) used to become the intake's
 * watermark. 1e300 then made every later event look like a replayed duplicate (skipped, never scored,
 * and the checkpoint stored as 1e300); -1 on a first start stored "new events only" as the checkpoint.
 */

const commitment = loadRulebookFile().fields.commitment;
const opp = (n: number) => `006${String(n).padStart(12, '0')}AAA`;
const event = (replayId: unknown, id: string) => ({
  event: { replayId },
  payload: {
    ChangeEventHeader: {
      entityName: 'Opportunity',
      recordIds: [id],
      changeType: 'UPDATE',
      changedFields: ['StageName'],
      changeOrigin: '',
      commitUser: '005000000000001AAA',
    },
  },
});

function intakeFrom(initialReplayId: number | undefined, maxPendingDeals?: number) {
  const submitted: string[] = [];
  const letters: DeadLetter[] = [];
  const saved: number[] = [];
  const intake = new EventIntake({
    catchUp: async () => undefined,
    maxPendingDeals,
    route: (ev) => routeEvent(ev, { commitment, isEcho: () => undefined }),
    submit: async (ids) => void submitted.push(...ids),
    resolve: async () => [],
    requestSweep: () => undefined,
    deadLetter: async (l) => void letters.push(l),
    saveCheckpoint: async (id) => void saved.push(id),
    initialReplayId,
    checkpointEveryMs: 1,
    retryDelayMs: () => 1,
    logger: pino({ level: 'silent' }),
    now: () => Date.parse('2026-11-20T12:00:00Z'),
  });
  return { intake, submitted, letters, saved };
}

describe('replay ids that are not event ids', () => {
  it.each([-1, -2, 1.5, 2 ** 53, 1e300, Number.NaN, '1001'])('rejects %p naming event.replayId', (id) => {
    expect(replayIdOf(event(id, opp(1)))).toBeNull();
    expect(() => parseChangeEvent(event(id, opp(1)))).toThrow(/event\.replayId/);
  });

  it('accepts 0 and the largest safe integer', () => {
    expect(parseChangeEvent(event(0, opp(1))).replayId).toBe(0);
    expect(replayIdOf(event(Number.MAX_SAFE_INTEGER, opp(1)))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('dead-letters an event claiming replay id 1e300 without one, and still scores the events after it', async () => {
    const { intake, submitted, letters, saved } = intakeFrom(5000);
    intake.accept(event(1e300, opp(1)));
    intake.accept(event(5001, opp(2)));
    await intake.drain(5000);
    expect(letters.map((l) => [l.replayId, l.code])).toEqual([[null, 'EVENT_INVALID']]);
    expect(submitted).toEqual([opp(2)]);
    expect(intake.checkpoint).toBe(5001);
    expect(saved).toEqual([5001]);
  });

  it('never stores -1 as the checkpoint of a first start', async () => {
    const { intake, letters, saved } = intakeFrom(undefined);
    intake.accept(event(-1, opp(1)));
    await intake.drain(5000);
    expect(letters.map((l) => l.replayId)).toEqual([null]);
    expect(intake.checkpoint).toBeUndefined();
    expect(saved).toEqual([]);
  });
});

describe('commit times and repeated ids (found by the 100,000-case fuzz run)', () => {
  const withHeader = (replayId: number, header: Record<string, unknown>) => {
    const e = event(replayId, opp(1));
    Object.assign(e.payload.ChangeEventHeader, header);
    return e;
  };

  it('dead-letters an event whose commit time no date can hold, with its replay id, and moves on', async () => {
    const { intake, submitted, letters } = intakeFrom(5000);
    intake.accept(withHeader(5001, { commitTimestamp: 1e300 }));
    intake.accept(event(5002, opp(2)));
    await intake.drain(5000);
    expect(letters.map((l) => [l.replayId, l.code])).toEqual([[5001, 'EVENT_INVALID']]);
    expect(submitted).toEqual([opp(2)]);
    expect(intake.checkpoint).toBe(5002);
  });

  it('never takes a commit time from the future as the newest change seen', () => {
    const { intake } = intakeFrom(5000);
    intake.accept(withHeader(5001, { commitTimestamp: Date.parse('2099-01-01T00:00:00Z') }));
    expect(intake.newestCommit).toBe(Date.parse('2026-11-20T12:00:00Z'));
    void intake.drain(0);
  });

  it('holds a deal named three times in one event as one deal, even with room for two', async () => {
    const { intake, submitted } = intakeFrom(5000, 2);
    intake.accept(withHeader(5001, { recordIds: [opp(1), opp(1), opp(1)] }));
    expect(intake.pendingDeals).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(submitted).toEqual([opp(1)]);
    await intake.drain(5000);
    expect(intake.checkpoint).toBe(5001);
  });
});
