/**
 * The admin API under /__sandbox/: fault switches, stats, write log, gap events, clock, token
 * revocation and the simulator. It needs no token: the sandbox is a local test tool.
 */
import express, { type Router } from 'express';
import type { SandboxCore } from './core';
import type { Faults } from './faults';
import { revokeTokens } from './oauth-routes';
import type { ActivitySimulator } from './simulator';

export interface GapRequest {
  entity?: string;
  changeType?: 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE' | 'GAP_OVERFLOW';
  recordIds?: string[];
}

/** Gap events carry ids but no field data; an overflow event carries no ids at all. */
export function publishGap(core: SandboxCore, req: GapRequest = {}): number {
  const changeType = req.changeType ?? 'GAP_UPDATE';
  const [ev] = core.bus.publishTransaction(
    [
      {
        entity: req.entity ?? 'Opportunity',
        recordIds: changeType === 'GAP_OVERFLOW' ? [] : (req.recordIds ?? []),
        changeType,
        changedFields: [],
        fields: {},
      },
    ],
    { user: [...core.tokens.values()][0] ?? '', origin: '' },
  );
  return ev.replayId;
}

const COUNTERS = [
  'unauthorizedNext',
  'unavailableNext',
  'unknownClientNextConnect',
  'authInvalidNextConnect',
  'invalidReplayNextSubscribe',
  'forgetSubscriptionsNextConnect',
  'loseNextTransactions',
  'dropNextCometd',
  'dropNextRest',
  'latencyMs',
] as const;

export function setFaults(faults: Faults, body: Record<string, unknown>): void {
  for (const k of COUNTERS) if (typeof body[k] === 'number') faults[k] = body[k] as number;
  if (typeof body.requestLimitExceeded === 'boolean') faults.requestLimitExceeded = body.requestLimitExceeded;
  const lock = body.lockRows as { ids?: string[]; attempts?: number } | undefined;
  if (lock?.ids) faults.lockRows(lock.ids, lock.attempts ?? 1);
}

export function statsBody(core: SandboxCore, cometdClients: number) {
  return {
    calls: { ...core.stats.calls },
    apiUsage: core.stats.apiUsage(),
    dailyApiLimit: core.stats.dailyLimit,
    writes: core.writeLog.length,
    cometdClients,
    lastReplayId: core.bus.lastReplayId(),
    now: core.clock.iso(),
  };
}

export function adminRoutes(core: SandboxCore, sim: ActivitySimulator, cometdClients: () => number): Router {
  const r = express.Router();
  r.use(express.json());
  r.get('/stats', (_req, res) => void res.json(statsBody(core, cometdClients())));
  r.post('/stats/reset', (_req, res) => {
    core.stats.reset();
    res.status(204).end();
  });
  r.get('/write-log', (_req, res) => void res.json(core.writeLog));
  r.get('/faults', (_req, res) => void res.json(core.faults.snapshot()));
  r.post('/faults', (req, res) => {
    setFaults(core.faults, req.body ?? {});
    res.json(core.faults.snapshot());
  });
  r.delete('/faults', (_req, res) => {
    core.faults.reset();
    res.status(204).end();
  });
  // Every current access token expires at once, as when an admin revokes the integration's sessions.
  r.post('/tokens/revoke', (_req, res) => void res.json({ revoked: revokeTokens(core) }));
  r.post('/gap', (req, res) => void res.json({ replayId: publishGap(core, req.body ?? {}) }));
  r.post('/clock', (req, res) => {
    const b = (req.body ?? {}) as { advanceMs?: number; set?: string };
    if (typeof b.set === 'string') core.clock.set(new Date(b.set));
    if (typeof b.advanceMs === 'number') core.clock.advance(b.advanceMs);
    res.json({ now: core.clock.iso() });
  });
  r.post('/simulator/start', (req, res) => {
    sim.start(req.body ?? {});
    res.json({ running: sim.running });
  });
  r.post('/simulator/stop', (_req, res) => {
    sim.stop();
    res.json({ running: sim.running, actionsDone: sim.actionsDone });
  });
  return r;
}
