import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const niceOf = (tid: string) => {
  const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};

describe.runIf(process.platform === 'linux')('lowerThreadPriority', () => {
  it('lowers the calling worker thread to nice 10 and leaves the main thread alone', async () => {
    const entry = new URL('../../../src/main/core/workers/threadPriority.ts', import.meta.url).pathname;
    const worker = new Worker(
      `require('tsx/cjs'); require(${JSON.stringify(entry)}).lowerThreadPriority();
       require('node:worker_threads').parentPort.postMessage(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());`,
      { eval: true }
    );
    const tid = await new Promise<string>((resolve) => worker.once('message', resolve));
    try {
      expect(niceOf(tid)).toBe(10);
      expect(niceOf(String(process.pid))).toBe(0);
    } finally {
      await worker.terminate();
    }
  });
});
