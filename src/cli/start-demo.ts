import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { orgAuthFrom, parseEnv, type Env } from '../config/env';
import { createLogger } from '../lib/logger';
import { startService } from '../main';
import type { ScoreResult } from '../scoring';
import { openSession } from '../salesforce/auth';
import { describeSandbox, startSandbox, type Sandbox } from '../sandbox';
import { configuredOrg, signInLine, untilSignal } from './service-commands';

/**
 * `npm start`. With an org configured it is `serve`; with none it starts the sandbox org, the
 * service against it and a stream of simulated seller and customer activity, and prints a line for
 * every deal whose values it writes, so a newcomer sees the product work within a minute.
 */
export async function runStart(): Promise<void> {
  const env = parseEnv();
  if (orgAuthFrom(env).kind !== 'sandbox') {
    const service = await startService(env, await configuredOrg(env));
    process.stdout.write(`${signInLine(service.loginLink())}\n`);
    await untilSignal();
    await service.close();
    return;
  }
  await runDemo(env);
}

const DEMO_DEALS = 300;
const DEMO_ACTIVITY_PER_MINUTE = 40;

async function runDemo(base: Env): Promise<void> {
  const out = process.stdout;
  const logger = createLogger({ level: base.LOG_LEVEL === 'info' ? 'warn' : base.LOG_LEVEL });
  // The demo signs in the way production does: a JWT bearer grant with a key made for this run.
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientId = 'commitment-scorer-demo';
  const sandbox = await startSandbox({
    port: 0,
    deals: DEMO_DEALS,
    // Closed deals whose outcomes follow commitment moderately, as `sandbox --effect` defaults to,
    // so backtest and calibrate have something to find in the demo's org.
    plantedEffect: 1,
    logger,
    jwtClients: [
      { clientId, publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    ],
  });
  // A fresh state directory per demo: the sandbox's event history starts anew each time too.
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'commitment-scorer-demo-'));
  try {
    const keyFile = path.join(stateDir, 'demo.key');
    await writeFile(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const env: Env = { ...base, STATE_DIR: stateDir, INTEGRATION_USER_ID: sandbox.integrationUserId };
    const org = await openSession(
      { kind: 'jwt', loginUrl: sandbox.url, clientId, username: sandbox.integrationUsername, keyFile },
      { apiVersion: env.SF_API_VERSION, logger },
    );
    const service = await startService(env, org, {
      logger,
      onScored: (result, info) => {
        if (info.written) out.write(`${liveLine(result, info.name)}\n`);
      },
    });
    sandbox.simulator.start({ ratePerMinute: DEMO_ACTIVITY_PER_MINUTE });
    out.write(`${banner(sandbox, service.url, service.loginLink())}\n`);
    await untilSignal();
    out.write('\nStopping…\n');
    sandbox.simulator.stop();
    await service.close();
  } finally {
    // The run's private key lives here: never leave it behind, whatever failed.
    await sandbox.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

function banner(sandbox: Sandbox, serviceUrl: string, loginLink: string): string {
  return [
    'Commitment Scorer demo: the sandbox org, the service and simulated activity.',
    '',
    `Open first: ${loginLink}`,
    '            (one-time sign-in to the forecast and deal review pages; valid 10 minutes)',
    '',
    describeSandbox(sandbox),
    '',
    `Service:  ${serviceUrl}   (/readyz, /metrics, GET /v1/opportunities/<id>/score)`,
    `Activity: ${DEMO_ACTIVITY_PER_MINUTE} seller and customer actions a minute across ${DEMO_DEALS} deals`,
    '',
    'Every deal first gets scored once; after that a line appears whenever a change moves a score.',
    'Each line: time, deal, stage probability → commitment-adjusted probability, flags. Ctrl-C stops.',
    '',
  ].join('\n');
}

export function liveLine(result: ScoreResult, name: string | null): string {
  const time = new Date().toISOString().slice(11, 19);
  const deal = (name ?? result.opportunityId ?? '?').slice(0, 40).padEnd(40);
  const move = `${String(result.baseProbability).padStart(3)}% → ${String(result.adjustedProbability).padStart(3)}%`;
  const flags = result.flags.length === 0 ? 'no warnings' : result.flags.map((f) => f.code).join(', ');
  return `${time}  ${deal}  ${move}  ${flags}`;
}
