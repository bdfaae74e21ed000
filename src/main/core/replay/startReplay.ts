import type { CoreContext } from '../coreContext';
import type { BridgeService } from '../bridge/bridgeService';
import type { DispatchState } from '../dispatch/dispatchState';
import type { HubService } from '../hub/startHub';
import type { SocketLog } from '../log/service';
import type { CallContext } from '../contract/registry';
import { AppError } from '../errors';
import type { ReplayChain, ReplayChange, ReplayPicture, TimelineMark, IncidentReport } from '../../../shared/contract/replay';
import { loadLogKeys } from '../log/store/chain';
import { createKeyframeWriter, type KeyframeWriter } from './keyframeWriter';
import { startReplayThread, type ReplayThread } from './replayThread';

export interface ReplayService {
  thread: ReplayThread;
  keyframes: KeyframeWriter;
}

const toMs = (at: string | number) => (typeof at === 'number' ? at : Date.parse(at));

/**
 * The flight recorder: keyframes of the picture written into the socket log
 * (on a timer, at start and after every CAD resync), and replays, timelines and
 * incident reports read back from the log. Every read is in the access log.
 */
export async function startReplay(
  ctx: CoreContext,
  deps: { log: SocketLog; dispatch: DispatchState; hub: Pick<HubService, 'hub'>; bridge: Pick<BridgeService, 'health'> }
): Promise<ReplayService> {
  const settings = ctx.config.replay;
  const logger = ctx.logger.child({ domain: 'replay' });
  const { log, dispatch } = deps;
  const keys = loadLogKeys(ctx.config.dataDir);
  const thread = startReplayThread({ file: ctx.database.file, dataDir: ctx.config.dataDir, keys, logger });
  ctx.onClose(() => thread.close());

  // The hub's registry is the one place connections are listed.
  const registry = deps.hub.hub.registry;
  const keyframes = createKeyframeWriter({
    dispatch,
    alerts: ctx.alerts,
    bus: ctx.bus,
    log: () => log,
    connections: () => registry,
    cadConnected: () => deps.bridge.health().bridge.connected,
    logger
  });
  ctx.onClose(() => keyframes.close());
  const write = (reason: 'periodic' | 'resync' | 'start') =>
    keyframes.write(reason).catch((err: unknown) => logger.error({ err, reason }, 'keyframe could not be written to the socket log'));
  void write('start');
  ctx.onClose(dispatch.onReplace(() => void write('resync')));
  const timer = setInterval(() => void write('periodic'), settings.keyframeIntervalSeconds * 1000);
  timer.unref();
  ctx.onClose(() => clearInterval(timer));

  /** Records the read before answering, as every read of the log is. */
  const audited = async <T>(call: CallContext, query: string, params: Record<string, unknown>, rowCount: (r: T) => number, run: () => Promise<T>): Promise<T> => {
    if (!call.operator) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    await log.flush();
    const result = await run();
    await log.recordAccess({ actor: call.operator.username, actorRole: call.operator.role, channel: 'console', query, params, rowCount: rowCount(result) });
    return result;
  };
  const range = (from: string | number, to: string | number, maxMs: number) => {
    const [a, b] = [toMs(from), toMs(to)];
    if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) throw new AppError('VALIDATION_FAILED', 'The range must run forwards: "from" before "to".');
    if (b - a > maxMs) throw new AppError('VALIDATION_FAILED', `The range is longer than ${Math.round(maxMs / 60_000)} minutes; ask for it in parts.`);
    return [a, b] as const;
  };

  ctx.api.handle('replay.at', ({ at }, call) => {
    const ms = toMs(at);
    return audited(call, 'replay.at', { at: new Date(ms).toISOString() }, (p) => p.rows_applied, async () => {
      const picture = await thread.request<ReplayPicture>({ op: 'at', at: ms });
      if (!picture.chain.ok) logger.error({ at: picture.at, firstBad: picture.chain.first_bad }, 'replayed range does not verify: the log was tampered with');
      return picture;
    });
  });
  ctx.api.handle('replay.events', ({ from, to }, call) => {
    const [a, b] = range(from, to, settings.maxEventsRangeMinutes * 60_000);
    return audited(call, 'replay.events', { from: new Date(a).toISOString(), to: new Date(b).toISOString() }, (r) => r.changes.length, async () => ({
      from: new Date(a).toISOString(),
      to: new Date(b).toISOString(),
      ...(await thread.request<{ changes: ReplayChange[]; truncated: boolean; chain: ReplayChain }>({ op: 'changes', from: a, to: b }))
    }));
  });
  ctx.api.handle('replay.timeline', ({ from, to }, call) => {
    const [a, b] = range(from, to, 31 * 24 * 3_600_000);
    return audited(call, 'replay.timeline', { from: new Date(a).toISOString(), to: new Date(b).toISOString() }, (r) => r.marks.length, async () => ({
      from: new Date(a).toISOString(),
      to: new Date(b).toISOString(),
      ...(await thread.request<{ marks: TimelineMark[]; truncated: boolean }>({ op: 'timeline', from: a, to: b }))
    }));
  });
  ctx.api.handle('incident.report', ({ incident_id }, call) =>
    audited(call, 'incident.report', { incident_id }, (r) => r.report.evidence.rows, async () => {
      const { report, evidence } = await thread.request<{ report: IncidentReport; evidence: string }>({ op: 'report', incidentId: incident_id, actor: call.operator?.username ?? 'console' });
      return { report, evidence_ndjson: evidence };
    })
  );

  return { thread, keyframes };
}
