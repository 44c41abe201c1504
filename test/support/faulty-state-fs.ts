import { existsSync } from 'node:fs';
import { nodeStateFs, type StateFs, type StateFileHandle } from '../../src/state/state-fs';

/**
 * The real file system with a switch: 'full' plays a disk that takes half of a write and then says
 * ENOSPC (the torn-line case), 'read-only' one that refuses every change with EROFS. Root ignores
 * directory permissions, so chmod cannot play either in CI.
 */
export type DiskMode = 'ok' | 'full' | 'read-only';

export interface FaultyStateFs extends StateFs {
  mode: DiskMode;
  /** Failed calls so far, by errno. */
  failures: Map<string, number>;
}

export function faultyStateFs(mode: DiskMode = 'ok'): FaultyStateFs {
  const fs: FaultyStateFs = {
    mode,
    failures: new Map(),
    mkdir: async (dir) => {
      if (fs.mode === 'read-only' && !existsSync(dir)) throw fail('EROFS');
      await nodeStateFs.mkdir(dir);
    },
    open: async (file, flags) => {
      if (fs.mode === 'read-only') throw fail('EROFS');
      return wrap(await nodeStateFs.open(file, flags));
    },
    readFile: (file) => nodeStateFs.readFile(file),
    readdir: (dir) => nodeStateFs.readdir(dir),
    rename: async (from, to) => {
      if (fs.mode === 'read-only') throw fail('EROFS');
      await nodeStateFs.rename(from, to);
    },
    unlink: async (file) => {
      if (fs.mode === 'read-only') throw fail('EROFS');
      await nodeStateFs.unlink(file);
    },
  };
  function fail(code: string): NodeJS.ErrnoException {
    fs.failures.set(code, (fs.failures.get(code) ?? 0) + 1);
    return Object.assign(new Error(`${code}: simulated by the test`), { code });
  }
  function wrap(handle: StateFileHandle): StateFileHandle {
    return {
      stat: () => handle.stat(),
      read: (b, o, l, p) => handle.read(b, o, l, p),
      truncate: (n) => handle.truncate(n),
      sync: () => handle.sync(),
      close: () => handle.close(),
      write: async (buffer, offset, length) => {
        if (fs.mode !== 'full') return handle.write(buffer, offset, length);
        // The disk takes what fits, then nothing: half of the first write lands, the rest fails.
        const half = Math.floor(length / 2);
        if (half > 0) {
          await handle.write(buffer, offset, half);
          return { bytesWritten: half };
        }
        throw fail('ENOSPC');
      },
    };
  }
  return fs;
}
