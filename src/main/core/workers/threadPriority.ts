import os from 'node:os';

/**
 * Lowers the calling thread's scheduling priority to nice 10. Linux applies
 * setpriority(PRIO_PROCESS, 0) to the calling thread only, so a worker doing
 * background upkeep (the user indexer, WAL checkpoints) yields to the hub's event
 * loop and the commit thread when the cores are busy. Measured at 10k events/s on
 * 2 cores: a user index pass (60-110 ms of work) coincided with the slowest acks.
 * Elsewhere it may lower the whole process, so it is only done on Linux.
 */
export function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    os.setPriority(0, 10);
  } catch {
    // Not permitted or not supported: the work still runs, only at normal priority.
  }
}
