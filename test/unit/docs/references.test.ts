import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The project stands alone: every document it cites is in it. Names of documents that are not (and
 * were once cited) are spelled in pieces here, so this file does not cite them itself.
 */

const REPO = path.join(__dirname, '..', '..', '..');
const files = execFileSync('git', ['ls-files'], { cwd: REPO, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.endsWith('package-lock.json') && existsSync(path.join(REPO, f)));

it('cites no document the project does not hold', () => {
  const gone = [
    ['CONTRACT', 'md'],
    ['DOMAIN', 'md'],
    ['docs/manifests', 'md'],
  ].map((p) => p.join('.'));
  const hits = files.flatMap((f) => {
    const text = readFileSync(path.join(REPO, f), 'utf8');
    return gone.filter((name) => text.includes(name)).map((name) => `${f}: ${name}`);
  });
  expect(hits).toEqual([]);
});

it('every Markdown link to a file of the project points at one that exists', () => {
  const broken: string[] = [];
  for (const f of files.filter((x) => x.endsWith('.md'))) {
    const text = readFileSync(path.join(REPO, f), 'utf8');
    for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = m[1] as string;
      if (/^[a-z]+:/.test(target)) continue;
      if (!existsSync(path.join(REPO, path.dirname(f), target))) broken.push(`${f} → ${target}`);
    }
  }
  expect(broken).toEqual([]);
});
