import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

  it('names a port that is taken and an org file that cannot be loaded or saved, and exits 1', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-data-'));
    const sandbox = (...args: string[]) =>
      spawnSync(process.execPath, [cli, 'sandbox', ...args], { encoding: 'utf8', timeout: 20_000 });
    try {
      const taken = sandbox('--port', String(port), '--deals', '5');
      expect(taken.status).toBe(1);
      expect(taken.stderr).toContain(`Port ${port} on 127.0.0.1 cannot be used`);
      expect(taken.stderr).toContain('EADDRINUSE');

      const broken = path.join(dir, 'org.json');
      writeFileSync(broken, '{"records": ');
      const bad = sandbox('--port', '0', '--data', broken);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain(`Cannot load the sandbox org from ${broken}`);

      writeFileSync(broken, '{"records": {}}');
      const notOrg = sandbox('--port', '0', '--data', broken);
      expect(notOrg.status).toBe(1);
      expect(notOrg.stderr).toContain(`${broken} is not a sandbox org file`);

      const nowhere = path.join(dir, 'missing-dir', 'org.json');
      const unsaved = sandbox('--port', '0', '--deals', '5', '--data', nowhere);
      expect(unsaved.status).toBe(1);
      expect(unsaved.stderr).toContain(`Cannot save the sandbox org to ${nowhere}`);
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops at once on SIGTERM while the org is still being generated: no banner, no org file', async () => {
    // 50,000 deals take seconds to generate; the signal comes as soon as loading starts. Had the
    // command waited for the load, the org would have been saved to --data before stopping.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-stop-'));
    const data = path.join(dir, 'org.json');
    const child = spawn(
      process.execPath,
      [cli, 'sandbox', '--port', '0', '--deals', '50000', '--data', data],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('the sandbox org') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(out).toContain(`Generating the sandbox org (50000 deals, saved to ${data})`);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).not.toContain('access token');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
