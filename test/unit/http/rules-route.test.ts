import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { createApp } from '../../../src/http/app';
import { createMetrics } from '../../../src/http/metrics';
import { createLogger } from '../../../src/lib/logger';
import { scoreSnapshot } from '../../../src/scoring';
import {
  DEFAULT_RULEBOOK_FILE,
  loadRulebookFile,
  parseRulebook,
  type Rulebook,
} from '../../../src/rules/load-rulebook';

const ADMIN = 'a-long-admin-token-for-tests';
const calibration = {
  deals: 412,
  won: 103,
  lost: 309,
  from: '2025-06-01',
  to: '2026-10-31',
  horizonDays: 30,
  base: 'default@00000000',
  heldOut: {
    deals: 103,
    brier: 0.1612,
    brierStage: 0.2104,
    brierRecalibratedStage: 0.1733,
    brierBase: 0.1701,
    auc: 0.74,
    ece: 0.031,
    slope: 0.97,
  },
  caps: 'dropped',
  verdict: 'adopt',
};
const calibrated = parseRulebook(
  `${readFileSync(DEFAULT_RULEBOOK_FILE, 'utf8')}\n${stringify({ calibration })}`,
  'calibrated.yaml',
);

async function withApp(rulebook: Rulebook, fn: (base: string) => Promise<void>): Promise<void> {
  const logger = createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) });
  const server: Server = createApp({
    logger,
    metrics: createMetrics(),
    rulebook: () => rulebook,
    now: () => Date.parse('2026-11-20T12:00:00Z'),
    notReadyReason: async () => undefined,
    adminToken: ADMIN,
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

const get = (url: string, token?: string) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /v1/rules', () => {
  it('needs the admin token', async () => {
    await withApp(loadRulebookFile(), async (base) => {
      expect((await get(`${base}/v1/rules`)).status).toBe(401);
      expect((await get(`${base}/v1/rules`, 'wrong-token-of-some-length')).status).toBe(401);
    });
  });

  it('says the shipped rulebook is rules only, not yet calibrated', async () => {
    const rulebook = loadRulebookFile();
    await withApp(rulebook, async (base) => {
      const res = await get(`${base}/v1/rules`, ADMIN);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        version: rulebook.version,
        calibrated: false,
        line: 'rules only, not yet calibrated',
        calibration: null,
      });
    });
  });

  it('gives a calibrated rulebook its deals and held-out Brier against the stage probability', async () => {
    await withApp(calibrated, async (base) => {
      const body = await (await get(`${base}/v1/rules`, ADMIN)).json();
      expect(body).toMatchObject({
        version: calibrated.version,
        calibrated: true,
        line: 'calibrated on 412 closed deals: Brier 0.16 vs 0.21 for stage probability',
        calibration: {
          deals: 412,
          won: 103,
          lost: 309,
          horizonDays: 30,
          verdict: 'adopt',
          heldOut: { deals: 103, brier: 0.1612, brierStage: 0.2104, brierRecalibratedStage: 0.1733 },
        },
      });
    });
  });

  it('writes the same line to the calibration field of every scored deal', () => {
    const snapshot = JSON.parse(
      readFileSync(`${__dirname}/../../../scripts/examples/healthy-deal.json`, 'utf8'),
    );
    const at = Date.parse('2026-11-20T12:00:00Z');
    expect(scoreSnapshot(snapshot, calibrated, at).fields.Commitment_Calibration__c).toBe(
      'calibrated on 412 closed deals: Brier 0.16 vs 0.21 for stage probability',
    );
    expect(scoreSnapshot(snapshot, loadRulebookFile(), at).fields.Commitment_Calibration__c).toBe(
      'rules only, not yet calibrated',
    );
  });
});
