import type { z } from 'zod';
import type { UnitLocation } from '../../../shared/contract/hub';
import { EVENT_TYPE_PATTERN } from '../../../shared/contract/log';
import { HUB_CLIENT_EVENTS, isHubClientEvent, type HubAck, type HubClientEvent, type HubEventPayload } from '../../../shared/hubEvents';
import type { ErrorCode } from '../../../shared/result';
import type { AlertCenter } from '../alerts/alertCenter';
import type { EventBus } from '../contract/bus';
import { AppError, describeIssues } from '../errors';
import type { NewSocketLog } from '../log/types';
import type { SeedEmitters } from './emitters';
import type { Hub } from './hub';
import { identityKey, retryAfterMs, takeToken } from './rateLimit';
import { createRepeatedErrorLog } from '../repeatedErrors';
import { CLIENT_EVENT_ID_FIELD, MAX_CLIENT_EVENT_ID_CHARS, clientEventIdOf, duplicateAck } from './clientEventIds';
import type { HubConn } from './registry';
import type { StalenessWatchdog } from './staleness';
import type { VitalsGate } from './vitalsGate';
import { parseUntrusted } from '../../../shared/parseUntrusted';
import { payloadBytes } from './payloadBytes';
import { FAST_ACCEPTORS, type FastAcceptor } from './fastPayloads';

/** Everything an event handler may use. */
export interface HubServices {
  hub: Hub;
  emitters: SeedEmitters;
  watchdog: StalenessWatchdog;
  /** Hysteresis and minimum duration for monitor alerts. */
  vitalsGate: VitalsGate;
  alerts: AlertCenter;
  bus: EventBus;
  /** Patients some console is watching (their vitals go to consoles as patient.vitals). */
  watchedPatients: { has(patientId: string): boolean };
  /** A crew's position: coalesced per unit and pushed to consoles (hub.unitLocation) a few times a second. */
  unitMoved(location: UnitLocation): void;
}

/** Log row fields a handler may set; who sent the event and what it was come from the connection. */
export type HandlerLogFields = Partial<Omit<NewSocketLog, 'eventType' | 'socketId' | 'userId' | 'userRole' | 'ipAddress' | 'userAgent'>>;

/** What a handler returns: extra ack fields, log row fields, and work to do once the row is committed. */
export interface HandlerResult {
  ack?: Record<string, unknown>;
  log?: HandlerLogFields;
  /** Runs after the log row is committed (fan-out happens after durability); may add ack fields. */
  after?(logId: number | null): Record<string, unknown> | void;
  /** Resolved ack from a handler that wrote its own log row. */
  loggedAs?: number | null;
  /** That row was already in the log (a resend with the same client event id): nothing was done again. */
  duplicate?: boolean;
}

export type EventHandler<E extends HubClientEvent> = (
  services: HubServices,
  conn: HubConn,
  payload: HubEventPayload<E>,
  /** The client event id the event carried (docs/hub-protocol.md), for handlers that write their own log row. */
  clientEventId?: string
) => HandlerResult | Promise<HandlerResult>;

export type HandlerMap = { [E in HubClientEvent]: EventHandler<E> };

/** The client events a domain other than the hub answers (the hospitals domain: ambulance requests). */
export type DomainHandlers = Partial<HandlerMap>;

const fail = (code: ErrorCode, message: string): HubAck => ({ ok: false, error: { code, message } });

/**
 * The log row of a handled event, as one object literal of a fixed shape:
 * spreading the connection's fields and assigning the handler's onto the result
 * took 6% of the event loop at 8k events/s (line-level profile).
 */
function handledEntry(conn: HubConn, event: string, data: unknown, log: HandlerLogFields | undefined): NewSocketLog {
  const { identity } = conn;
  if (!log) {
    return { eventType: event, socketId: conn.id, userId: identity.sub, userRole: identity.role, eventData: data, status: 'success', processed: true, ipAddress: conn.ip, userAgent: conn.userAgent };
  }
  return {
    eventType: event,
    socketId: conn.id,
    userId: identity.sub,
    userRole: identity.role,
    eventData: 'eventData' in log ? log.eventData : data,
    requestData: log.requestData,
    responseData: log.responseData,
    patientLatitude: log.patientLatitude,
    patientLongitude: log.patientLongitude,
    hospitalId: log.hospitalId,
    hospitalName: log.hospitalName,
    distanceKm: log.distanceKm,
    status: log.status ?? 'success',
    errorMessage: log.errorMessage,
    processed: log.processed ?? true,
    responseTimeMs: log.responseTimeMs,
    ipAddress: conn.ip,
    userAgent: conn.userAgent,
    sessionDuration: log.sessionDuration
  };
}

/**
 * The one path every client event takes, whatever the transport: size limit,
 * rate limit, known event, schema, handler, a committed socket-log row, then
 * the ack. Errors become error acks with a stable code and a log row; nothing
 * thrown here escapes to the transport.
 */
export function createEventProcessor(services: HubServices, handlers: DomainHandlers) {
  const { hub } = services;
  const { config, metrics, logger } = hub;
  const limit = { ratePerSecond: config.ratePerSecond, burst: config.burst, floodWindowSeconds: config.floodWindowSeconds };
  // Per-event failures (a full disk fails every event alike): one line per interval with a count.
  const writeFailures = createRepeatedErrorLog(logger, 'socket log write failed');
  const rejectionLogFailures = createRepeatedErrorLog(logger, 'rejected event not logged');
  const { gate, recentEventIds: recent } = hub;
  const restarting = (): HubAck => ({
    ok: false,
    error: { code: 'RESTARTING', message: 'The hub is restarting: reconnect and resend this event.', retry_after_ms: 1000 }
  });

  const baseLog = (conn: HubConn): Pick<NewSocketLog, 'socketId' | 'userId' | 'userRole' | 'ipAddress' | 'userAgent'> => ({
    socketId: conn.id,
    userId: conn.identity.sub,
    userRole: conn.identity.role,
    ipAddress: conn.ip,
    userAgent: conn.userAgent
  });

  const reject = (conn: HubConn, event: string, code: ErrorCode, message: string, eventData: unknown, started: number): HubAck => {
    metrics.rejections.child(code).inc();
    // A client-chosen name the log cannot store as a type (empty, "__proto__"-like
    // punctuation, unicode) is recorded under a fixed type with the name kept as data.
    const loggable = EVENT_TYPE_PATTERN.test(event);
    hub
      .writeLog({
        ...baseLog(conn),
        eventType: loggable ? event : 'invalid_event_name',
        eventData: loggable ? eventData : { event_name: event, data: eventData },
        status: 'failed',
        errorMessage: `${code}: ${message}`,
        processed: true
      })
      .catch((err: unknown) => rejectionLogFailures.report(err, { event }));
    metrics.ackLatency.record((performance.now() - started) / 1000);
    return fail(code, message);
  };

  const flooding = (conn: HubConn, event: string, started: number): HubAck => {
    const retryAfter = config.floodCooldownSeconds * 1000;
    const message = `Disconnected for flooding: more than ${config.ratePerSecond} events per second over ${config.floodWindowSeconds} s. Reconnect after ${config.floodCooldownSeconds} s.`;
    const ack = reject(conn, event, 'RATE_LIMITED', message, { violations: conn.violations }, started);
    if (ack.ok) return ack;
    ack.error.retry_after_ms = retryAfter;
    if (conn.violations < 0) return ack;
    conn.violations = -1; // once per connection: the events still queued on it get the same answer
    hub.floodCooldowns.start(identityKey(conn.identity), Date.now());
    logger.warn({ conn: conn.id, user: conn.identity.sub, cooldownSeconds: config.floodCooldownSeconds }, 'disconnecting a flooding client');
    hub
      .writeLog({ ...baseLog(conn), eventType: 'rate_limit_disconnect', eventData: { cooldown_seconds: config.floodCooldownSeconds }, status: 'failed', errorMessage: message, processed: true })
      .catch((err: unknown) => logger.error({ err }, 'flood disconnect not logged'));
    (conn.notice ?? conn.direct)('hub.refused', { code: 'RATE_LIMITED', reason: 'flooding', message, retry_after_ms: retryAfter });
    setImmediate(() => conn.close(`RATE_LIMITED: flooding; retry after ${config.floodCooldownSeconds} s`));
    return ack;
  };

  /**
   * Handler, committed log row, fan-out; `eventId` makes the row's insert a no-op for a resend.
   * The one async step of an admitted event: it counts the event as answered for the drain.
   */
  const handle = async (conn: HubConn, event: HubClientEvent, data: unknown, eventId: string | undefined, started: number): Promise<HubAck> => {
    try {
      let result: HandlerResult;
      try {
        // Most handlers answer synchronously; awaiting only a real promise saves a turn of the microtask queue per event.
        const handler = handlers[event] as EventHandler<HubClientEvent> | undefined;
        if (!handler) return reject(conn, event, 'UNAVAILABLE', `This hub does not serve "${event}" now: the domain that answers it is not running.`, data, started);
        const returned = handler(services, conn, data as never, eventId);
        result = returned instanceof Promise ? await returned : returned;
      } catch (err) {
        if (err instanceof AppError) return reject(conn, event, err.code, err.message, data, started);
        logger.error({ err, event, conn: conn.id }, 'hub event handler failed');
        return reject(conn, event, 'INTERNAL', 'The hub could not process this event; it has been logged.', data, started);
      }

      let id: number | null;
      let duplicate = result.duplicate === true;
      if (result.loggedAs !== undefined) id = result.loggedAs;
      else {
        try {
          const entry = handledEntry(conn, event, data, result.log);
          if (eventId !== undefined) entry.clientEventId = eventId;
          const written = await hub.writeLog(entry);
          id = written.id;
          duplicate = written.duplicate === true;
        } catch (err) {
          writeFailures.report(err, { event });
          metrics.rejections.child('UNAVAILABLE').inc();
          return fail('UNAVAILABLE', 'The event could not be logged durably; resend it.');
        }
      }
      metrics.ackLatency.record((performance.now() - started) / 1000);
      // A resend the log already holds (it committed before a crash): answered, not acted on again.
      if (duplicate) return duplicateAck(id);
      let extra: Record<string, unknown> | void = undefined;
      try {
        extra = result.after?.(id);
      } catch (err) {
        logger.error({ err, event }, 'hub fan-out failed');
      }
      const ack: HubAck = { ok: true, id };
      if (result.ack) Object.assign(ack, result.ack);
      if (extra) Object.assign(ack, extra);
      return ack;
    } finally {
      gate.answered();
    }
  };

  /** An event with a client event id: a resend is answered with the original's id, after the original is committed. */
  const handleOnce = async (conn: HubConn, event: HubClientEvent, data: unknown, eventId: string, started: number): Promise<HubAck> => {
    const key = `${identityKey(conn.identity)}\n${eventId}`;
    const prior = recent.get(key);
    if (typeof prior === 'number') {
      gate.answered();
      return duplicateAck(prior);
    }
    if (prior !== undefined) {
      const original = await prior;
      if (original.ok) {
        gate.answered();
        return duplicateAck(original.id);
      }
      // The original was refused: this resend is processed as a new event.
    }
    const answer = handle(conn, event, data, eventId, started);
    recent.started(key, answer);
    const ack = await answer;
    recent.finished(key, answer, ack);
    return ack;
  };

  /** What admit() let through, read right after it returns (nothing runs in between). */
  const admitted: { data: unknown; eventId: string | undefined } = { data: undefined, eventId: undefined };

  /** The synchronous checks: a refusal to answer at once, or null with the parsed event in `admitted`. */
  const admit = (conn: HubConn, event: string, payload: unknown, knownBytes: number | undefined, started: number, now: number): HubAck | null => {
    const bytes = knownBytes ?? payloadBytes(payload, config.maxPayloadBytes);
    if (bytes > config.maxPayloadBytes) {
      return reject(conn, event, 'PAYLOAD_TOO_LARGE', `Message is ${bytes} bytes; the limit is ${config.maxPayloadBytes}.`, { bytes }, started);
    }
    // Capacity before the rate limit: an event refused for capacity must not use up the client's tokens.
    if (hub.logLagMs() >= config.maxLogLagMs || hub.pendingLogWrites() >= config.maxPendingLogWrites) {
      // Shed load rather than queue it: an event acked seconds late is worse than a quick "retry".
      metrics.rejections.child('UNAVAILABLE').inc();
      metrics.ackLatency.record((performance.now() - started) / 1000);
      return fail('UNAVAILABLE', 'The hub is at capacity; retry in a moment.');
    }
    const rate = takeToken(conn.bucket, limit, now);
    if (rate !== 'ok') {
      if (rate === 'flooding') return flooding(conn, event, started);
      if (conn.violations >= 0) conn.violations++;
      const ack = reject(conn, event, 'RATE_LIMITED', `Slow down: at most ${config.ratePerSecond} events per second (burst ${config.burst}); retry this event later.`, { violations: conn.violations }, started);
      if (!ack.ok) ack.error.retry_after_ms = retryAfterMs(conn.bucket, limit);
      return ack;
    }
    if (!isHubClientEvent(event)) {
      return reject(conn, event, 'UNKNOWN_EVENT', `Unknown event "${event}". Known events: ${Object.keys(HUB_CLIENT_EVENTS).join(', ')}.`, null, started);
    }
    const eventId = clientEventIdOf(payload);
    if (eventId === null) {
      return reject(conn, event, 'VALIDATION_FAILED', `${event}: ${CLIENT_EVENT_ID_FIELD} must be a string of 1-${MAX_CLIENT_EVENT_ID_CHARS} characters.`, bytes < 4096 ? payload : { bytes }, started);
    }
    // The hot events' hand-written acceptors first; whatever they do not accept, refusals included, goes to the schema.
    const accepted = (FAST_ACCEPTORS[event] as FastAcceptor<HubClientEvent> | undefined)?.(payload);
    if (accepted !== undefined) admitted.data = accepted;
    else {
      const schema = HUB_CLIENT_EVENTS[event] as z.ZodType;
      const parsed = parseUntrusted(schema, payload ?? {});
      if (!parsed.success) {
        return reject(conn, event, 'VALIDATION_FAILED', `${event}: ${describeIssues(parsed.error.issues)}`, bytes < 4096 ? payload : { bytes }, started);
      }
      admitted.data = parsed.data;
    }
    admitted.eventId = eventId;
    return null;
  };

  return function processEvent(conn: HubConn, rawEvent: unknown, payload: unknown, knownBytes?: number): Promise<HubAck> {
    const started = performance.now();
    const now = Date.now();
    conn.lastSeen = now;
    conn.messagesIn++;
    const event = typeof rawEvent === 'string' ? rawEvent.slice(0, 64) : 'invalid_event';
    metrics.eventsIn.child(isHubClientEvent(event) ? event : 'unknown').inc();
    if (gate.draining) {
      // Not logged one by one: a restart under load would write a row per refused event.
      metrics.rejections.child('RESTARTING').inc();
      gate.refused();
      return Promise.resolve(restarting());
    }
    let refusal: HubAck | null;
    try {
      refusal = admit(conn, event, payload, knownBytes, started, now);
    } catch (err) {
      // The transports call this from their own event handlers: nothing may be thrown back into them.
      logger.error({ err, event, conn: conn.id }, 'hub event admission failed');
      refusal = fail('INTERNAL', 'The hub could not process this event; it has been logged.');
    }
    if (refusal) return Promise.resolve(refusal);
    const { data, eventId } = admitted;
    admitted.data = undefined;
    // Taken: from here the drain waits for its answer (handle counts it answered).
    gate.inFlight += 1;
    return eventId === undefined ? handle(conn, event as HubClientEvent, data, undefined, started) : handleOnce(conn, event as HubClientEvent, data, eventId, started);
  };
}

export type EventProcessor = ReturnType<typeof createEventProcessor>;
