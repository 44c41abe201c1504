import * as fsp from 'node:fs/promises';

/**
 * The file-system calls the state stores make, passed in so tests can play a full disk (ENOSPC after
 * half a write) or a read-only volume (EROFS) without root tricks: CI runs as root, where a 0555
 * directory is still writable.
 */
export interface StateFileHandle {
  stat(): Promise<{ size: number }>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface StateFs {
  mkdir(dir: string): Promise<void>;
  open(file: string, flags: 'a+' | 'w'): Promise<StateFileHandle>;
  readFile(file: string): Promise<string>;
  readdir(dir: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
}

export const nodeStateFs: StateFs = {
  mkdir: async (dir) => {
    await fsp.mkdir(dir, { recursive: true });
  },
  open: (file, flags) => fsp.open(file, flags),
  readFile: (file) => fsp.readFile(file, 'utf8'),
  readdir: (dir) => fsp.readdir(dir),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (file) => fsp.unlink(file),
};

/** Writes all of `data` (a write may take only part of it), then flushes it to the disk. */
export async function writeAll(handle: StateFileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
    offset += bytesWritten;
  }
  await handle.sync();
}

/** Writes a whole file by temp-and-rename: a crash or a full disk leaves the old file, never half of one. */
export async function replaceFile(fs: StateFs, file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await writeAll(handle, Buffer.from(text));
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}
