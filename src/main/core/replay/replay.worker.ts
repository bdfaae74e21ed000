/**
 * The replay's thread (entry point of a worker; see replayThread.ts). Seeks,
 * played ranges, timelines and incident reports parse keyframes of thousands
 * of units and replay minutes of rows: tens to hundreds of milliseconds that
 * must not hold up the hub's event loop. It owns a read-only connection.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadLogKeys } from '../log/store/chain';
import { openReadOnly } from '../log/read/readConnection';
import { lowerThreadPriority } from '../workers/threadPriority';
import { createReplayOps, type ReplayRequest } from './replayOps';

const { file, dataDir } = workerData as { file: string; dataDir: string };
const port = parentPort!;
// Reading the past is less urgent than recording the present.
lowerThreadPriority();
try {
  const reader = openReadOnly(file);
  const ops = createReplayOps(reader.sqlite, loadLogKeys(dataDir));
  port.on('message', (m: ReplayRequest | { type: 'close' }) => {
    if ('type' in m) {
      reader.sqlite.close();
      port.close();
      return;
    }
    try {
      port.postMessage({ id: m.id, ok: true, value: ops.run(m) });
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      port.postMessage({ id: m.id, ok: false, error: { code: typeof e?.code === 'string' ? e.code : 'INTERNAL', message: String(e?.message ?? err) } });
    }
  });
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'failed', error: String((err as Error)?.message ?? err) });
}
