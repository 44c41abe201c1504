import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseEnv } from '../../../src/config/env';
import { startService } from '../../../src/main';
import { openSession } from '../../../src/salesforce/auth';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { sandboxOrgAccess } from '../../support/sandbox-org-access';
import { FAST } from './stack';

let sandbox: Sandbox;
let stateDir: string;
beforeEach(async () => {
  sandbox = await startSandbox({ deals: 10, seed: 3, cometdTimeoutMs: 1000 });
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'scorer-start-'));
});
afterEach(async () => {
  await sandbox.close();
  await rm(stateDir, { recursive: true, force: true });
});

const envFor = (channel?: string) =>
  parseEnv({
    SF_INSTANCE_URL: sandbox.instanceUrl,
    SF_ACCESS_TOKEN: sandbox.accessToken,
    STATE_DIR: stateDir,
    PORT: '0',
    SWEEP_INTERVAL: 'off',
    LOG_LEVEL: 'silent',
    ...(channel ? { CDC_CHANNEL: channel } : {}),
  });

describe('starting the service', () => {
  it('starts when the stored token is refused at the handshake: it refreshes and subscribes', async () => {
    sandbox.faults.authInvalidNextConnect = 1;
    let refreshes = 0;
    const service = await startService(
      envFor(),
      sandboxOrgAccess(sandbox, () => refreshes++),
      {
        ...FAST,
        logger: pino({ level: 'silent' }),
      },
    );
    try {
      expect(service.subscriber.state).toBe('subscribed');
      expect(refreshes).toBe(1);
      expect(sandbox.cometdClients()).toBe(1);
    } finally {
      await service.close();
    }
  });

  it('reports not ready, with the reason, when a ready token expires and cannot be refreshed', async () => {
    const org = await openSession(
      { kind: 'token', instanceUrl: sandbox.instanceUrl, accessToken: sandbox.accessToken },
      { apiVersion: '62.0' },
    );
    const service = await startService(envFor(), org, { ...FAST, logger: pino({ level: 'silent' }) });
    try {
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
      sandbox.revokeTokens();
      let body: { reason?: string } = {};
      for (let i = 0; i < 200 && body.reason === undefined; i++) {
        await new Promise((r) => setTimeout(r, 25));
        const res = await fetch(`${service.url}/readyz`);
        if (res.status === 503) body = (await res.json()) as { reason?: string };
      }
      expect(body.reason).toMatch(/refused our credentials.*cannot be refreshed/i);
      // A REST 401 on a token nobody can refresh stops the service, naming the fix.
      await expect(service.fatal).resolves.toMatchObject({ code: 'ORG_TOKEN_REFUSED' });
    } finally {
      await service.close();
    }
  });

  it('refuses a PORT that is taken, naming it', async () => {
    const squatter = http.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    try {
      const env = { ...envFor(), PORT: port };
      await expect(
        startService(env, sandboxOrgAccess(sandbox), { ...FAST, logger: pino({ level: 'silent' }) }),
      ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(`PORT ${port}`) });
    } finally {
      squatter.close();
    }
  });

  it('fails at once, naming the channel, when the org has no such channel', async () => {
    const started = startService(envFor('/data/No_Such__chn'), sandboxOrgAccess(sandbox), {
      ...FAST,
      logger: pino({ level: 'silent' }),
    });
    await expect(started).rejects.toThrow(/\/data\/No_Such__chn/);
  });
});
