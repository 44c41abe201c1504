import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const main = path.join(root, 'dist', 'main.js');
const cli = path.join(root, 'dist', 'cli.js');

beforeAll(() => {
  if (!existsSync(main)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
});

/** The environment of a fresh machine: no Salesforce variables at all. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' };
  return env;
}

describe('npm start with no org configured (built)', () => {
  it('runs the sandbox, the service and the activity, prints live lines, and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [main], { env: bareEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    child.stderr.on('data', (chunk) => (err += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const liveLine = /^\d\d:\d\d:\d\d {2}.+ {2}\s*\d+% → +\d+% {2}\S/m;
    const deadline = Date.now() + 60_000;
    while (!liveLine.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(err).toBe('');
    expect(out).toMatch(liveLine);

    const service = /Service:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(service).toBeDefined();
    const ready = await fetch(`${service}/readyz`);
    expect(ready.status).toBe(200);

    // The one link to open first: a one-time sign-in that lands on the pages, spent once used.
    const link = /Open first: (http:\/\/127\.0\.0\.1:\d+\/login\?code=[A-Za-z0-9_-]+)/.exec(out)?.[1];
    expect(link?.startsWith(`${service}/login?code=`)).toBe(true);
    const signIn = await fetch(link!, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const session = signIn.headers.get('set-cookie')!.split(';')[0];
    expect((await fetch(`${service}/forecast`, { headers: { cookie: session } })).status).toBe(200);
    expect((await fetch(`${service}/forecast`)).status).toBe(401);
    expect((await fetch(link!, { redirect: 'manual' })).status).toBe(401);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('Stopping');
  });
});

describe('commitment-scorer serve (built)', () => {
  it('refuses to start without an org and says which variables to set', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [cli, 'serve'], { env: bareEnv(), stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(1);
    expect(stderr).toMatch(/No org is configured: set SF_ORG/);
  });
});
