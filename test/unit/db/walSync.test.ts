import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWalSync } from '../../../src/main/core/db/walSync';
import { tempDir } from '../../helpers/core';

/** A held fdatasync: each call waits until the test completes it. */
function heldSync() {
  const calls: Array<{ fd: number; done: (err: NodeJS.ErrnoException | null) => void }> = [];
  return {
    calls,
    fdatasync: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void calls.push({ fd, done }),
    complete: (i: number, err: NodeJS.ErrnoException | null = null) => calls[i]!.done(err)
  };
}

const walFile = () => {
  const file = path.join(tempDir('switchboard-walsync-'), 'x.db-wal');
  fs.writeFileSync(file, 'frames');
  return file;
};
const silent = { error: () => undefined };

describe('WAL sync off the event loop', () => {
  it('calls back only after a sync that started after the commit', () => {
    const held = heldSync();
    const sync = createWalSync(walFile(), { logger: silent, fdatasync: held.fdatasync });
    const order: string[] = [];
    sync.afterCommit(() => order.push('a'));
    expect(held.calls).toHaveLength(1);
    // Committed while the first sync is in flight: that sync may have missed it.
    sync.afterCommit(() => order.push('b'));
    sync.afterCommit(() => order.push('c'));
    expect(held.calls).toHaveLength(1);
    held.complete(0);
    expect(order).toEqual(['a']);
    expect(held.calls).toHaveLength(2);
    expect(sync.pending()).toBe(2);
    held.complete(1);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(sync.pending()).toBe(0);
  });

  it('passes a failed sync to every commit it covered', () => {
    const held = heldSync();
    const sync = createWalSync(walFile(), { logger: silent, fdatasync: held.fdatasync });
    const errors: Array<Error | null> = [];
    sync.afterCommit((err) => errors.push(err));
    held.complete(0, Object.assign(new Error('EIO'), { code: 'EIO' }));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe('EIO');
  });

  it('refuses to sync a replaced WAL (SQLite still writes the deleted one), and close waits for syncs in flight', async () => {
    const held = heldSync();
    const file = walFile();
    const sync = createWalSync(file, { logger: silent, fdatasync: held.fdatasync });
    sync.afterCommit(() => undefined);
    const firstFd = held.calls[0]!.fd;
    // A sync is in flight when the file at the path is swapped for a new one.
    fs.rmSync(file);
    fs.writeFileSync(file, 'new wal');
    const errors: Array<Error | null> = [];
    sync.afterCommit((err) => errors.push(err));
    held.complete(0);
    // The next sync must not go to the new file: its commit gets an error that says why.
    await new Promise((r) => setImmediate(r));
    expect(held.calls).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('WAL_REPLACED');
    expect(fs.fstatSync(firstFd).nlink).toBe(0);
    sync.afterCommit(() => undefined);
    let closed = false;
    const closing = sync.close().then(() => (closed = true));
    await closing;
    expect(closed).toBe(true);
  });

  it('really syncs a real file with the default fdatasync', async () => {
    const sync = createWalSync(walFile(), { logger: silent });
    const err = await new Promise<Error | null>((resolve) => sync.afterCommit(resolve));
    expect(err).toBeNull();
    await sync.close();
  });
});
