import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Gives the test file an empty home of its own for @salesforce/core (the sf CLI store in ~/.sfdx,
 * its key file and logs), so the machine's real ~/.sfdx is neither read nor written.
 *
 * - The core asks os.homedir(), which reads the real environment rather than jest's copy of
 *   process.env, so it is stubbed, as the core's own test setup does.
 * - The core creates a missing ~/.sfdx/alias.json or auth file only when `err instanceof Error` holds,
 *   which fails across jest's realms for file-system errors (and then leaves its file lock held); an
 *   empty alias file is written up front, and `emptyAuthFile` makes room for an org's auth file.
 * - The generic keychain (a key file in ~/.sfdx) keeps the desktop keyring out of it.
 */
export function useIsolatedSfHome(): { home: () => string; emptyAuthFile: (username: string) => void } {
  const saved = {
    HOME: process.env.HOME,
    SF_USE_GENERIC_UNIX_KEYCHAIN: process.env.SF_USE_GENERIC_UNIX_KEYCHAIN,
    SF_DISABLE_LOG_FILE: process.env.SF_DISABLE_LOG_FILE,
  };
  let home = '';
  beforeAll(() => {
    home = mkdtempSync(path.join(tmpdir(), 'sf-home-'));
    mkdirSync(path.join(home, '.sfdx'));
    writeFileSync(path.join(home, '.sfdx', 'alias.json'), JSON.stringify({ orgs: {} }));
    process.env.HOME = home;
    process.env.SF_USE_GENERIC_UNIX_KEYCHAIN = 'true';
    process.env.SF_DISABLE_LOG_FILE = 'true';
    jest.spyOn(os, 'homedir').mockReturnValue(home);
  });
  afterAll(() => {
    jest.restoreAllMocks();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(home, { recursive: true, force: true });
  });
  return {
    home: () => home,
    emptyAuthFile: (username) => writeFileSync(path.join(home, '.sfdx', `${username}.json`), '{}'),
  };
}
