import fs from 'node:fs';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

/** The code a damage found by this check is reported under (fileGuard.ts counts it as corruption). */
export const FILE_DAMAGED = 'FILE_DAMAGED';

export interface DamageCheck {
  /** What is wrong with the file since the last look, or null. */
  check(): string | null;
  /** After the caller grew the file (a checkpoint): its new size is the one to compare against. */
  grew(): void;
  close(): void;
}

/**
 * Whether the database file was truncated or overwritten since the last look:
 * smaller than it has been (it never shrinks without auto_vacuum) or without
 * SQLite's header. Both threads that write WAL pages back into the file (the
 * commit thread's automatic checkpoints, the checkpoint thread's) look first: a
 * checkpoint into a truncated file would write over the evidence and could give
 * the file back the size and header the file guard on the main thread looks at.
 *
 * The descriptor for the header stays open until `close()`, called after the
 * thread's connection is closed: closing any descriptor of the file drops the
 * whole process's POSIX locks on it, SQLite's included.
 */
export function createDamageCheck(file: string, options: { shrinkMeansDamage: boolean; skipped: string }): DamageCheck {
  const size = () => fs.statSync(file).size;
  let largest = 0;
  let fd: number | null = null;
  try {
    largest = size();
    fd = fs.openSync(file, 'r');
  } catch {
    // A file the thread cannot stat or read: the file guard on the main thread reports it.
  }
  const header = Buffer.alloc(16);
  return {
    check() {
      try {
        const now = size();
        if (options.shrinkMeansDamage && now < largest) return `${file} was truncated (${now} bytes, it had ${largest}); found before ${options.skipped}`;
        if (fd !== null && now >= 16 && (fs.readSync(fd, header, 0, 16, 0) !== 16 || !header.equals(SQLITE_MAGIC))) {
          return `${file} lost its SQLite header (truncated or overwritten); found before ${options.skipped}`;
        }
        largest = Math.max(largest, now);
      } catch {
        // Deleted or unreadable: the file guard names it (it compares the file's identity).
      }
      return null;
    },
    grew() {
      try {
        largest = Math.max(largest, size());
      } catch {
        // As above.
      }
    },
    close() {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    }
  };
}
