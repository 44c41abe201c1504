import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
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

  it('names a port that is taken and an org file that cannot be loaded, and exits 1', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const taken = spawnSync(process.execPath, [cli, 'sandbox', '--port', String(port), '--deals', '5'], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(taken.status).toBe(1);
      expect(taken.stderr).toContain(`--port ${port} cannot be used`);
      expect(taken.stderr).toContain('EADDRINUSE');
    } finally {
      blocker.close();
    }

    const dir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-data-'));
    const broken = path.join(dir, 'org.json');
    writeFileSync(broken, '{"records": ');
    const bad = spawnSync(process.execPath, [cli, 'sandbox', '--port', '0', '--data', broken], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`Cannot load the sandbox org from ${broken}`);
    writeFileSync(broken, '{"records": {}}');
    const notOrg = spawnSync(process.execPath, [cli, 'sandbox', '--port', '0', '--data', broken], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(notOrg.status).toBe(1);
    expect(notOrg.stderr).toContain(`${broken} is not a sandbox org file`);
    rmSync(dir, { recursive: true, force: true });
  });
});
