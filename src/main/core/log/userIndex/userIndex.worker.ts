import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { lowerThreadPriority } from '../../workers/threadPriority';
import { openUserIndexing, runIndexLoop, type IndexerReply, type IndexerRequest, type UserIndexWorkerData } from './userIndexer';

/** The user indexer's thread (entry point of a worker; started by userIndexer.ts). */
function runUserIndexWorker(port: MessagePort, data: UserIndexWorkerData): void {
  const reply = (m: IndexerReply) => port.postMessage(m);
  // Background work: on Linux this lowers only this thread (nice 10), so under load a
  // pass waits for the hub's and the commit thread's turn instead of taking it.
  lowerThreadPriority();
  let indexing: ReturnType<typeof openUserIndexing>;
  try {
    indexing = openUserIndexing(data.file);
  } catch (err) {
    reply({ type: 'failed', error: String((err as Error)?.message ?? err) });
    return;
  }
  const loop = runIndexLoop(indexing, data.intervalMs, (r) => reply({ type: 'pass', ...r }));
  port.on('message', (m: IndexerRequest) => {
    if (m.type === 'now') reply({ type: 'pass', seq: m.seq, ...loop.now() });
    else {
      loop.stop();
      indexing.close();
      port.close();
    }
  });
  reply({ type: 'ready' });
}

runUserIndexWorker(parentPort!, workerData as UserIndexWorkerData);
