import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSandbox, jsforceSnippet, startSandbox, type Sandbox } from '../../../src/sandbox';
import { connect, streamingClient, until, type CdcMessage } from './helpers';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ deals: 40, seed: 9, cometdTimeoutMs: 300 });
});
afterAll(() => sb.close());

const admin = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') =>
  fetch(`${sb.url}/__sandbox${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('sandbox admin API, simulator and entry points', () => {
  it('sets and clears fault switches over HTTP, including row locks', async () => {
    const [id] = [...sb.store.all('Opportunity')].map((o) => o.Id);
    const set = await (await admin('/faults', { lockRows: { ids: [id], attempts: 2 }, latencyMs: 5 })).json();
    expect(set).toMatchObject({ latencyMs: 5, lockedRows: { [id]: 2 } });
    const conn = connect(sb);
    for (let i = 0; i < 2; i++) {
      const [r] = await conn
        .sobject('Opportunity')
        .update([{ Id: id, Commitment_Score__c: 3 }], { allOrNone: false });
      expect((r.errors[0] as unknown as { statusCode: string }).statusCode).toBe('UNABLE_TO_LOCK_ROW');
    }
    const [ok] = await conn
      .sobject('Opportunity')
      .update([{ Id: id, Commitment_Score__c: 3 }], { allOrNone: false });
    expect(ok.success).toBe(true);
    expect((await admin('/faults', undefined, 'DELETE')).status).toBe(204);
    expect(sb.faults.latencyMs).toBe(0);
    const log = (await (await admin('/write-log')).json()) as { id: string }[];
    expect(log.some((w) => w.id === id)).toBe(true);
  });

  it('publishes gap events and moves the clock on request', async () => {
    const before = sb.clock.now();
    const { now } = (await (await admin('/clock', { advanceMs: 3_600_000 })).json()) as { now: string };
    expect(Date.parse(now) - before).toBeGreaterThanOrEqual(3_600_000);
    const { replayId } = (await (
      await admin('/gap', { changeType: 'GAP_OVERFLOW', entity: 'Task' })
    ).json()) as { replayId: number };
    expect(replayId).toBe(sb.core.bus.lastReplayId());
  });

  it('simulates seller and customer activity through the write path, so events flow', async () => {
    const conn = connect(sb);
    const got: CdcMessage[] = [];
    const client = streamingClient(conn, '/data/ChangeEvents', -1);
    await client.subscribe('/data/ChangeEvents', (m) => got.push(m));
    const writesBefore = sb.writeLog.length;
    const stage = sb.simulator.step('stageMove');
    const push = sb.simulator.step('closeDatePush');
    expect(stage && push).toBeTruthy();
    sb.simulator.step('inboundEmail');
    sb.simulator.step('meeting');
    await until(() => got.length >= 4);
    const types = got.map((m) => m.payload.ChangeEventHeader.entityName);
    expect(types).toEqual(expect.arrayContaining(['Opportunity', 'Task', 'Event']));
    const pushed = got.find((m) => m.payload.ChangeEventHeader.changedFields.includes('CloseDate'));
    expect(pushed?.payload.ChangeEventHeader.commitUser).not.toBe(sb.integrationUserId);
    const hist = sb.store.children('OpportunityHistory', 'OpportunityId', String(push?.opportunityId));
    expect(hist.some((h) => h.PrevCloseDate && String(h.CloseDate) > String(h.PrevCloseDate))).toBe(true);
    await admin('/simulator/start', { ratePerMinute: 6000 });
    await until(() => sb.writeLog.length >= writesBefore + 10);
    const stopped = (await (await admin('/simulator/stop', {})).json()) as { running: boolean };
    expect(stopped.running).toBe(false);
    client.disconnect();
  });

  it('saves a generated org to a data file and loads it back unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-'));
    const file = join(dir, 'org.json');
    try {
      const a = await startSandbox({ deals: 15, seed: 2, dataFile: file });
      expect(existsSync(file)).toBe(true);
      const b = await startSandbox({ deals: 999, seed: 99, dataFile: file });
      expect(b.store.count('Opportunity')).toBe(15);
      expect(b.integrationUserId).toBe(a.integrationUserId);
      const text = describeSandbox(b);
      expect(text).toContain(b.url);
      expect(text).toContain(b.accessToken);
      const conn = connect(b);
      const res = await conn.query('SELECT Id, Name FROM Opportunity');
      expect(res.totalSize).toBe(15);
      await a.close();
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a ten-line jsforce snippet that really queries the sandbox', async () => {
    const snippet = jsforceSnippet(sb.instanceUrl, sb.accessToken);
    expect(snippet.split('\n')).toHaveLength(10);
    const dir = mkdtempSync(join(tmpdir(), 'sbx-snippet-'));
    try {
      const file = join(dir, 'snippet.js');
      writeFileSync(file, snippet);
      const env = { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') };
      const { stdout } = await promisify(execFile)(process.execPath, [file], { env, timeout: 15000 });
      expect(stdout).toMatch(/API usage \{ used: \d+, limit: 15000 \}/);
      expect(stdout.trim().split('\n').length).toBe(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
