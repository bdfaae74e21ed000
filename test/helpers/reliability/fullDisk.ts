import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../core';

/**
 * A real full disk: a small tmpfs (needs root and mount, as CI has), the data
 * directory copied onto it, and the rest filled. Null where mounting is not
 * allowed; the caller says so and skips.
 */
export interface FullDisk {
  dir: string;
  /** Frees the filler: the disk has room again. */
  makeRoom(): void;
  unmount(): void;
}

export function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = tempDir('switchboard-tmpfs-probe-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  return mounted;
}

export function fullDiskWith(dataDir: string, spareKb = 1024): FullDisk {
  const used = fs.readdirSync(dataDir).reduce((n, f) => n + fs.statSync(path.join(dataDir, f)).size, 0);
  const dir = tempDir('switchboard-fulldisk-');
  const sizeKb = Math.ceil(used / 1024) + spareKb;
  const res = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  if (res.status !== 0) throw new Error(`mount tmpfs failed: ${res.stderr}`);
  fs.cpSync(dataDir, dir, { recursive: true });
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return {
    dir,
    makeRoom: () => fs.rmSync(filler, { force: true }),
    unmount: () => void spawnSync('umount', [dir])
  };
}
