import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Connection } from 'jsforce';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

beforeAll(() => {
  if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
});

describe('commitment-scorer sandbox (built)', () => {
  it('prints its URL and a token that jsforce can query with, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [cli, 'sandbox', '--port', '0', '--deals', '500'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!/access token:\s+\S+/.test(out) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));

    const url = /instance URL:\s+(\S+)/.exec(out)?.[1];
    const token = /access token:\s+(\S+)/.exec(out)?.[1];
    expect(out).toMatch(/500 opportunities/);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const conn = new Connection({ instanceUrl: url, accessToken: token, version: '62.0' });
    const res = await conn.query<{ Id: string }>('SELECT COUNT() FROM Opportunity');
    expect(res.totalSize).toBe(500);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
