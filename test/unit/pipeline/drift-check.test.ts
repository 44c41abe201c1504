import pino from 'pino';
import { DriftCheck } from '../../../src/pipeline/drift-check';
import { channelEntities } from '../../../src/salesforce/modstamps';

/** A drift check driven by hand: the org's newest change, the newest event seen and the clock are set by the test. */
function harness() {
  const state = { org: undefined as number | undefined, seen: undefined as number | undefined, now: 0 };
  const drifts: number[] = [];
  const outcomes: string[] = [];
  const check = new DriftCheck({
    intervalMs: 60_000,
    graceMs: 30_000,
    slackMs: 1000,
    newestInOrg: async () => state.org,
    newestSeen: () => state.seen,
    onDrift: (since) => drifts.push(since),
    onCheck: (o) => outcomes.push(o),
    logger: pino({ level: 'silent' }),
    now: () => state.now,
  });
  return { state, drifts, outcomes, check };
}

describe('DriftCheck', () => {
  it('takes the org as it is at the first look when no event has come yet', async () => {
    const h = harness();
    h.state.org = 5_000_000;
    await h.check.check();
    await h.check.check();
    expect(h.drifts).toEqual([]);
    expect(h.outcomes).toEqual(['in-step', 'in-step']);
  });

  it('calls a change deaf only when it is still unannounced after the grace period', async () => {
    const h = harness();
    h.state.seen = 1_000_000;
    h.state.org = 1_000_500; // within the slack of the newest event
    await h.check.check();
    h.state.org = 1_200_000;
    await h.check.check(); // first noticed at now = 0
    h.state.now = 29_999;
    await h.check.check();
    expect(h.drifts).toEqual([]);
    h.state.now = 30_000;
    await h.check.check();
    expect(h.outcomes).toEqual(['in-step', 'suspect', 'suspect', 'drift']);
    // Catch up from just before the newest event seen.
    expect(h.drifts).toEqual([999_000]);
    // The same change does not count twice.
    h.state.now = 90_000;
    await h.check.check();
    expect(h.drifts).toHaveLength(1);
  });

  it('forgets a suspect change once its event arrives', async () => {
    const h = harness();
    h.state.seen = 1_000_000;
    h.state.org = 1_200_000;
    await h.check.check();
    h.state.seen = 1_200_000;
    h.state.now = 60_000;
    await h.check.check();
    expect(h.outcomes).toEqual(['suspect', 'in-step']);
    expect(h.drifts).toEqual([]);
  });

  it('counts a failed look and tries again later', async () => {
    const h = harness();
    const failing = new DriftCheck({
      intervalMs: 60_000,
      graceMs: 30_000,
      newestInOrg: async () => Promise.reject(new Error('socket hang up')),
      newestSeen: () => 1,
      onDrift: () => h.drifts.push(0),
      onCheck: (o) => h.outcomes.push(o),
      logger: pino({ level: 'silent' }),
    });
    await failing.check();
    expect(h.outcomes).toEqual(['failed']);
    expect(h.drifts).toEqual([]);
  });
});

describe('channelEntities', () => {
  it('reads the object of a single-entity channel and takes every related object otherwise', () => {
    expect(channelEntities('/data/OpportunityChangeEvent', ['Task'])).toEqual(['Opportunity']);
    expect(channelEntities('/data/Buying_Commitment__ChangeEvent', ['Task'])).toEqual([
      'Buying_Commitment__c',
    ]);
    expect(channelEntities('/data/Commitment_Scorer__chn', ['Task', 'Event'])).toEqual([
      'Opportunity',
      'Task',
      'Event',
    ]);
    expect(channelEntities('/data/ChangeEvents', ['Task'])).toEqual(['Opportunity', 'Task']);
  });
});
