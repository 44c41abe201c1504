import pino from 'pino';
import { EventIntake, type IntakeOptions } from '../../../src/pipeline/intake';
import { routeEvent } from '../../../src/pipeline/route-event';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { ScorerError } from '../../../src/lib/errors';
import type { DeadLetter } from '../../../src/state/dead-letters';

const commitment = loadRulebookFile().fields.commitment;
const opp = (n: number) => `006${String(n).padStart(12, '0')}AAA`;

function event(replayId: number, ids: string[], header: Record<string, unknown> = {}) {
  return {
    event: { replayId },
    payload: {
      ChangeEventHeader: {
        entityName: 'Opportunity',
        recordIds: ids,
        changeType: 'UPDATE',
        changedFields: ['StageName'],
        changeOrigin: '',
        commitUser: '005000000000001AAA',
        ...header,
      },
    },
  };
}

interface Deferred {
  ids: string[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

function setUp(over: Partial<IntakeOptions> = {}) {
  const submitted: Deferred[] = [];
  const saved: number[] = [];
  const letters: DeadLetter[] = [];
  const sweeps: string[] = [];
  const catchUps: { since: number; resolve: () => void }[] = [];
  const intake = new EventIntake({
    route: (ev) => routeEvent(ev, { commitment, isEcho: () => undefined }),
    submit: (ids) => new Promise<void>((resolve, reject) => submitted.push({ ids, resolve, reject })),
    resolve: async () => [],
    requestSweep: (reason) => sweeps.push(reason),
    catchUp: (since) => new Promise<void>((resolve) => catchUps.push({ since, resolve })),
    deadLetter: async (l) => {
      letters.push(l);
    },
    saveCheckpoint: async (id) => {
      saved.push(id);
    },
    initialReplayId: 1000,
    checkpointEveryMs: 1,
    retryDelayMs: () => 1,
    logger: pino({ level: 'silent' }),
    now: () => Date.parse('2026-11-20T12:00:00Z'),
    ...over,
  });
  return { intake, submitted, saved, letters, sweeps, catchUps };
}

const tick = () => new Promise((r) => setTimeout(r, 5));
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await tick();
  if (!cond()) throw new Error('condition not reached');
}

describe('the event intake', () => {
  it('moves the checkpoint only over events that are all finished, in order', async () => {
    const { intake, submitted } = setUp();
    intake.accept(event(1001, [opp(1)]));
    await until(() => submitted.length === 1);
    intake.accept(event(1002, [opp(2)]));
    await until(() => submitted.length === 2);
    submitted[1].resolve();
    await tick();
    expect(intake.checkpoint).toBe(1000);
    submitted[0].resolve();
    await until(() => intake.checkpoint === 1002);
    await intake.flush();
  });

  it('retries a batch that failed for a passing reason and holds the checkpoint meanwhile', async () => {
    const { intake, submitted, saved } = setUp();
    intake.accept(event(1001, [opp(1)]));
    await until(() => submitted.length === 1);
    submitted[0].reject(new ScorerError('ORG_LIMIT_EXCEEDED', 'limit'));
    await until(() => submitted.length === 2);
    await intake.flush();
    expect(saved).toEqual([]);
    submitted[1].resolve();
    await until(() => intake.checkpoint === 1001);
    await intake.flush();
    expect(saved).toEqual([1001]);
    expect(submitted[1].ids).toEqual([opp(1)]);
  });

  it('dead-letters a malformed event and a permanent failure with their replay ids, then moves on', async () => {
    const { intake, submitted, letters } = setUp();
    intake.accept({
      event: { replayId: 1001 },
      payload: { ChangeEventHeader: { entityName: 'Opportunity' } },
    });
    intake.accept(event(1002, [opp(2)]));
    await until(() => submitted.length === 1);
    submitted[0].reject(new Error('a bug in the batch path'));
    await until(() => intake.checkpoint === 1002);
    expect(letters.map((l) => [l.replayId, l.code])).toEqual([
      [1001, 'EVENT_INVALID'],
      [1002, 'INTERNAL'],
    ]);
    expect(letters[1].recordIds).toEqual([opp(2)]);
  });

  it('retries a batch the org refuses for its configuration, says why, and never dead-letters it', async () => {
    const { intake, submitted, letters } = setUp();
    intake.accept(event(1001, [opp(1)]));
    await until(() => submitted.length === 1);
    submitted[0].reject(
      new ScorerError('ORG_REQUEST_FAILED', 'INVALID_FIELD: No such column', { retryable: false }),
    );
    await until(() => submitted.length === 2);
    expect(intake.failing).toMatch(/INVALID_FIELD/);
    expect(intake.checkpoint).toBe(1000);
    submitted[1].resolve();
    await until(() => intake.checkpoint === 1001);
    expect(intake.failing).toBeUndefined();
    expect(letters).toEqual([]);
  });

  it('keeps saving the checkpoint after one save failed', async () => {
    let calls = 0;
    const saved: number[] = [];
    const { intake, submitted } = setUp({
      saveCheckpoint: async (id) => {
        if (++calls === 1) throw new Error('ENOSPC');
        saved.push(id);
      },
    });
    intake.accept(event(1001, [opp(1)]));
    await until(() => submitted.length === 1);
    submitted[0].resolve();
    await until(() => calls === 1); // the scheduled save failed
    await intake.flush();
    expect(saved).toEqual([1001]);
  });

  it('takes lower replay ids again after the org restarted the replay', async () => {
    const { intake, submitted } = setUp();
    intake.accept(event(1001, [opp(1)]));
    intake.replayRestarted();
    intake.accept(event(5, [opp(2)]));
    await until(() => submitted.flatMap((s) => s.ids).length === 2);
  });

  it('ignores an event delivered again after a resubscription', async () => {
    const { intake, submitted } = setUp();
    intake.accept(event(1001, [opp(1)]));
    intake.accept(event(1001, [opp(1)]));
    intake.accept(event(999, [opp(1)]));
    await tick();
    expect(submitted).toHaveLength(1);
  });

  it('asks for a sweep on GAP_OVERFLOW and finishes the event', async () => {
    const { intake, sweeps } = setUp();
    intake.accept(event(1001, [], { changeType: 'GAP_OVERFLOW' }));
    await until(() => intake.checkpoint === 1001);
    expect(sweeps).toEqual(['GAP_OVERFLOW on Opportunity']);
  });

  it('leaves events still failing at the drain deadline out of the checkpoint', async () => {
    const { intake, submitted, saved } = setUp({ retryDelayMs: () => 60_000 });
    intake.accept(event(1001, [opp(1)]));
    await until(() => submitted.length === 1);
    intake.accept(event(1002, [opp(2)]));
    await until(() => submitted.length === 2);
    submitted[0].resolve();
    submitted[1].reject(new ScorerError('NETWORK', 'reset'));
    await intake.drain(50);
    expect(saved).toEqual([1001]);
  });

  it('remembers which event asked for a deal, for dead letters written by the batch', async () => {
    const { intake, submitted } = setUp();
    intake.accept(event(1001, [opp(1).slice(0, 15)]));
    await until(() => submitted.length === 1);
    expect(intake.replayIdOf(opp(1))).toBe(1001);
    submitted[0].resolve();
    await until(() => intake.checkpoint === 1001);
    expect(intake.replayIdOf(opp(1))).toBeNull();
  });

  it('holds pending work per deal: many events on one deal wait as one id', async () => {
    const { intake, submitted } = setUp();
    for (let r = 1001; r <= 1500; r++) intake.accept(event(r, [opp(r % 2)]));
    expect(intake.pendingDeals).toBe(2);
    await until(() => submitted.length === 2);
    expect(submitted.flatMap((s) => s.ids).sort()).toEqual([opp(0), opp(1)].sort());
    for (const s of submitted) s.resolve();
    await until(() => intake.checkpoint === 1500);
    expect(submitted).toHaveLength(2);
    expect(intake.outstanding).toBe(0);
  });

  it('stops holding ids at the cap and holds the checkpoint until a catch-up sweep has covered them', async () => {
    const { intake, submitted, catchUps } = setUp({ maxPendingDeals: 100 });
    for (let n = 0; n < 150; n++) intake.accept(event(1001 + n, [opp(n)]));
    expect(intake.pendingDeals).toBe(100);
    // The events of one delivery beyond the cap share one catch-up, from before the first of them.
    expect(catchUps).toHaveLength(1);
    // Write whatever the batch path is handed until no held deal is left.
    let answered = 0;
    await until(() => {
      for (; answered < submitted.length; answered++) submitted[answered].resolve();
      return intake.pendingDeals === 0;
    });
    // Every held deal is written; the events not held still wait for the catch-up.
    expect(intake.checkpoint).toBe(1100);
    catchUps[0].resolve();
    await until(() => intake.checkpoint === 1150);
  });
});
