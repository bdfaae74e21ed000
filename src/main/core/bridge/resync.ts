import type { Logger } from 'pino';
import type { Socket } from 'socket.io-client';
import { CAD_SNAPSHOT_EVENT, CadSnapshotSchema } from '../../../shared/cad';
import type { DispatchState } from '../dispatch/dispatchState';
import { describeIssues } from '../errors';
import type { SequenceTracker } from './sequence';
import type { BridgeSettings } from './settings';
import { parseUntrusted } from '../../../shared/parseUntrusted';

export interface Resync {
  /** Asks the CAD for a snapshot unless one is already on its way. */
  request(reason: string): void;
  linkUp(socket: Socket): void;
  linkDown(): void;
  active(): boolean;
  count(): number;
  close(): void;
}

export interface ResyncOptions {
  dispatch: DispatchState;
  tracker: SequenceTracker;
  settings: BridgeSettings;
  logger: Logger;
  onChange(): void;
  /** The picture now matches the CAD (held outbound messages can be judged against its epoch). */
  onSynced?(): void;
}

/**
 * Re-reads the CAD's whole picture. Requests made while one is in flight are
 * dropped on purpose: anything that arrived before the snapshot's ack was sent
 * by the CAD before it took the snapshot (one connection keeps order), so the
 * snapshot already covers it.
 */
export function createResync(options: ResyncOptions): Resync {
  const { dispatch, tracker, settings, logger } = options;
  let socket: Socket | null = null;
  let inFlight = false;
  let wanted = false;
  let generation = 0;
  let completed = 0;
  let retryTimer: NodeJS.Timeout | null = null;

  const setWanted = (value: boolean) => {
    if (wanted !== value) {
      wanted = value;
      options.onChange();
    }
  };

  const run = (reason: string) => {
    if (!socket || inFlight) return;
    inFlight = true;
    const myGeneration = generation;
    logger.info({ reason }, 'resynchronising the dispatch picture from the CAD');
    socket.timeout(settings.snapshotTimeoutMs).emit(CAD_SNAPSHOT_EVENT, {}, (err: Error | null, raw: unknown) => {
      if (myGeneration !== generation) return;
      inFlight = false;
      const parsed = err ? null : parseUntrusted(CadSnapshotSchema, raw);
      if (!parsed?.success) {
        const why = err ? 'no answer in time' : `invalid snapshot (${describeIssues(parsed?.error.issues ?? [])})`;
        logger.warn({ reason: why }, 'CAD snapshot failed; will retry');
        retryTimer = setTimeout(() => {
          retryTimer = null;
          run('retry after failed snapshot');
        }, settings.backoffInitialMs);
        retryTimer.unref();
        return;
      }
      dispatch.replace(parsed.data);
      tracker.reset(parsed.data.epoch, parsed.data.seq);
      completed += 1;
      logger.info(
        { epoch: parsed.data.epoch, seq: parsed.data.seq, units: parsed.data.units.length, incidents: parsed.data.incidents.length },
        'dispatch picture in sync with the CAD'
      );
      setWanted(false);
      options.onSynced?.();
    });
  };

  const cancel = () => {
    generation += 1;
    inFlight = false;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
  };

  return {
    request(reason) {
      if (inFlight) return;
      setWanted(true);
      run(reason);
    },
    linkUp(link) {
      cancel();
      socket = link;
      if (settings.resyncOnConnect || !tracker.position() || wanted) {
        setWanted(true);
        run('connected');
      }
    },
    linkDown() {
      cancel();
      socket = null;
    },
    active: () => wanted,
    count: () => completed,
    close() {
      cancel();
      socket = null;
    }
  };
}
