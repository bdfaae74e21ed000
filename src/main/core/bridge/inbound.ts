import type { Logger } from 'pino';
import {
  CAD_INBOUND_EVENTS,
  cadInboundSchemas,
  type CadInboundEvent,
  type CadInboundPayload
} from '../../../shared/cad';
import { rooms } from '../../../shared/rooms';
import type { EventBus } from '../contract/bus';
import type { DispatchState } from '../dispatch/dispatchState';
import { describeIssues } from '../errors';
import type { HubPublisher } from '../hub/types';
import type { SocketLogWriter } from '../log/types';
import type { SequenceTracker } from './sequence';
import { parseUntrusted } from '../../../shared/parseUntrusted';

/** Most events one socket-log row carries (a GPS fix is ~200 bytes; the log keeps 64 KB per field). */
const LOG_BATCH = 100;

export type InboundHandler<E extends CadInboundEvent = CadInboundEvent> = (payload: CadInboundPayload<E>) => void;

export interface InboundDeps {
  dispatch: DispatchState;
  logger: Logger;
  bus: EventBus;
  tracker: SequenceTracker;
  log: SocketLogWriter;
  hub: HubPublisher;
  logInbound: boolean;
  /** Relay to the hub's rooms (false on a cluster node that is not the CAD link holder: the holder's relay reaches every node's clients). */
  relay?: boolean;
  requestResync(reason: string): void;
}

export interface InboundStats {
  received: number;
  applied: number;
  stale: number;
  invalid: number;
  handlerFailures: number;
  lastEventAt: string | null;
}

export interface InboundProcessor {
  /** Processes one raw CAD event; never throws. */
  handle(event: CadInboundEvent, raw: unknown, socketId: string): void;
  /** Adds a handler (other domains, tests); returns its remover. */
  on<E extends CadInboundEvent>(event: E, handler: InboundHandler<E>): () => void;
  handlersRegistered(): number;
  stats(): InboundStats;
}

/** A name for one payload in logs: event, stream position and the entity it is about. */
export function payloadId(event: string, raw: unknown): string {
  const p = (raw ?? {}) as Record<string, unknown>;
  const entity = p.unit_id ?? p.incident_id ?? (p.incident as { id?: unknown } | undefined)?.id ?? '';
  return `${event}#${String(p.epoch ?? '?')}:${String(p.seq ?? '?')}${entity ? `/${String(entity).slice(0, 128)}` : ''}`;
}

/** Hub rooms an event is relayed to (field devices of the unit, the incident, and the dispatch room). */
function relayRooms(event: CadInboundEvent, p: Record<string, unknown>, dispatch: DispatchState): string[] {
  const out = new Set<string>([rooms.dispatch]);
  const unitId = typeof p.unit_id === 'string' ? p.unit_id : null;
  let incidentId = typeof p.incident_id === 'string' ? p.incident_id : null;
  if (event === 'incident:new') incidentId = (p.incident as { id: string }).id;
  if (unitId) {
    out.add(rooms.unit(unitId));
    incidentId ??= dispatch.peekUnit(unitId)?.incident_id ?? null;
  }
  if (incidentId) {
    out.add(rooms.incident(incidentId));
    if (!unitId && event !== 'incident:new') {
      // Crews on the incident hear about its status and times in their unit room.
      for (const id of dispatch.peekIncident(incidentId)?.assigned_units ?? []) {
        if (dispatch.peekUnit(id)?.incident_id === incidentId) out.add(rooms.unit(id));
      }
    }
  }
  return [...out];
}

/**
 * The eight inbound CAD events: validate, check the sequence, update the
 * dispatch picture, relay to the hub, log. Each step and each extra handler
 * runs in its own try/catch, so one failure neither stops the others nor
 * touches the link; it is logged with the payload id.
 */
export function createInboundProcessor(deps: InboundDeps): InboundProcessor {
  const { logger } = deps;
  const extra = new Map<CadInboundEvent, Set<InboundHandler>>();
  const stats: Omit<InboundStats, 'lastEventAt'> = { received: 0, applied: 0, stale: 0, invalid: 0, handlerFailures: 0 };
  // A number per event, formatted only when someone asks (health): toISOString per GPS fix adds up.
  let lastEventMs: number | null = null;

  const insert = (event: string, socketId: string, data: unknown, error: string | null) => {
    deps.log
      .createSocketLog({
        eventType: `cad:${event}`,
        socketId,
        userId: 'cad-bridge',
        userRole: 'cad',
        eventData: data,
        status: error ? 'failed' : 'success',
        errorMessage: error,
        processed: !error
      })
      .catch((err: unknown) => logger.error({ err, event }, 'CAD event could not be written to the socket log'));
  };

  // Successful events are logged in batches per event type and event-loop turn:
  // at a trickle that is one row per event, in a burst of GPS fixes it is one
  // row per LOG_BATCH fixes (every fix still in the row), which keeps the audit
  // log from becoming the bridge's bottleneck. Failures always get their own row.
  const batches = new Map<string, { socketId: string; events: unknown[] }>();
  let batchScheduled = false;
  const flushBatches = () => {
    batchScheduled = false;
    for (const [event, batch] of batches) {
      for (let i = 0; i < batch.events.length; i += LOG_BATCH) {
        const chunk = batch.events.slice(i, i + LOG_BATCH);
        insert(event, batch.socketId, chunk.length === 1 ? chunk[0] : { batch: true, count: chunk.length, events: chunk }, null);
      }
    }
    batches.clear();
  };
  const writeLog = (event: string, socketId: string, data: unknown, error: string | null) => {
    if (!deps.logInbound) return;
    if (error) return insert(event, socketId, data, error);
    const batch = batches.get(event) ?? { socketId, events: [] };
    batch.events.push(data);
    batches.set(event, batch);
    if (!batchScheduled) {
      batchScheduled = true;
      setImmediate(flushBatches);
    }
  };

  const step = (name: string, id: string, failures: string[], fn: () => void) => {
    try {
      fn();
    } catch (err) {
      stats.handlerFailures += 1;
      failures.push(`${name}: ${(err as Error)?.message ?? String(err)}`);
      logger.error({ err, handler: name, payloadId: id }, 'CAD event handler failed');
    }
  };

  return {
    handle(event, raw, socketId) {
      stats.received += 1;
      lastEventMs = Date.now();
      const id = payloadId(event, raw);
      const parsed = parseUntrusted(cadInboundSchemas[event], raw);
      if (!parsed.success) {
        stats.invalid += 1;
        const message = `Invalid ${event} payload: ${describeIssues(parsed.error.issues)}`;
        logger.warn({ payloadId: id, reason: message }, 'CAD event rejected');
        writeLog(event, socketId, raw, message);
        return;
      }
      const payload = parsed.data as CadInboundPayload<typeof event>;
      const verdict = deps.tracker.observe(payload.epoch, payload.seq);
      if (verdict === 'stale') {
        stats.stale += 1;
        return;
      }
      if (verdict === 'gap' || verdict === 'epoch_changed') deps.requestResync(`${verdict} at ${id}`);
      const failures: string[] = [];
      step('dispatch', id, failures, () => {
        if (deps.dispatch.apply(event, payload) === 'unknown_entity') deps.requestResync(`unknown entity in ${id}`);
        deps.dispatch.setCadPosition(deps.tracker.position());
        if (event === 'metrics:updated') {
          const m = payload as CadInboundPayload<'metrics:updated'>;
          deps.bus.publish('dispatch.metricsUpdated', { metrics: m.metrics, at: m.at });
        }
      });
      if (deps.relay !== false) {
        step('relay', id, failures, () => {
          for (const room of relayRooms(event, payload, deps.dispatch)) deps.hub.publish(room, event, payload);
        });
      }
      for (const handler of extra.get(event) ?? []) step(`extra:${event}`, id, failures, () => handler(payload));
      stats.applied += 1;
      writeLog(event, socketId, payload, failures.length ? failures.join('; ').slice(0, 1000) : null);
    },
    on(event, handler) {
      const set = extra.get(event) ?? new Set();
      set.add(handler as InboundHandler);
      extra.set(event, set);
      return () => set.delete(handler as InboundHandler);
    },
    handlersRegistered: () => CAD_INBOUND_EVENTS.length,
    stats: () => ({ ...stats, lastEventAt: lastEventMs === null ? null : new Date(lastEventMs).toISOString() })
  };
}
