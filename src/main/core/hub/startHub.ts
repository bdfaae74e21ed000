import type { UnitLocation } from '../../../shared/contract/hub';
import { attachAlertReceiptLog } from '../alerts/alertReceiptLog';
import type { CoreContext } from '../createCore';
import { createAmbulanceRequests, type AmbulanceRequests } from '../dispatch/ambulanceRequests';
import { createHospitalRegistry, type HospitalRegistry } from '../dispatch/hospitals';
import type { DispatchAssignments } from '../dispatch/types';
import { describeIssues } from '../errors';
import type { SocketLogWriter } from '../log/types';
import { registerHubConsole, createWatchList } from './consoleApi';
import { createSeedEmitters, type SeedEmitters } from './emitters';
import { createEventProcessor, type HubServices } from './events';
import { HUB_HANDLERS } from './handlers';
import { createHub, type Hub } from './hub';
import { HubConfigSchema } from './hubConfig';
import { registerHubRoutes } from './routes';
import { attachSocketIo } from './socketioTransport';
import { attachSse } from './sseTransport';
import { attachAccessRecheck } from './accessRecheck';
import { attachSessionGuard } from './sessionGuard';
import { createVitalsGate } from './vitalsGate';
import { createStalenessWatchdog } from './staleness';
import type { HubPublisher } from './types';
import { attachWebSocket } from './websocketTransport';

/** What the hub offers other domains and tests. */
export interface HubService extends HubPublisher {
  hub: Hub;
  emitters: SeedEmitters;
  hospitals: HospitalRegistry;
  requests: AmbulanceRequests;
}

declare module '../services' {
  interface CoreServices {
    hub: HubService;
  }
}

/** On shutdown, how long no event may arrive before the transports close (each one that does is answered RESTARTING). */
const RESTART_QUIET_MS = 150;
const RESTART_QUIET_MAX_MS = 2_000;

type UnitLocationReporter = { reportUnitLocation?(unitId: string, location: unknown): void };

/**
 * Starts the realtime hub on the core's HTTP port: Socket.IO (default
 * namespace), raw WebSocket and SSE, the hospitals registry and ambulance
 * flow, device data, alerts from hub traffic, REST status routes and the
 * console contract. Needs the socket log (and, when present, dispatch) first.
 */
export async function startHub(ctx: CoreContext): Promise<HubService> {
  const logger = ctx.logger.child({ domain: 'hub' });
  const parsed = HubConfigSchema.safeParse(ctx.config.hub);
  if (!parsed.success) throw new Error(`Invalid hub settings: ${describeIssues(parsed.error.issues)}`);
  const config = parsed.data;
  const services_ = ctx.services as { log?: SocketLogWriter; dispatch?: DispatchAssignments & UnitLocationReporter };

  const hub = createHub({ config, nsp: ctx.http.io.of('/'), log: services_.log, logger, bus: ctx.bus });
  const hospitals = await createHospitalRegistry(ctx.database.db, config.hospitalsFile);
  const requests = createAmbulanceRequests({
    hospitals,
    hub,
    alerts: ctx.alerts,
    bus: ctx.bus,
    logger: logger.child({ flow: 'ambulance' }),
    responseTimeoutMs: config.ambulanceResponseTimeoutSeconds * 1000,
    maxAttempts: config.ambulanceMaxAttempts
  });
  hub.accessFacts = {
    // Read dispatch at call time: the assignment picture changes under us.
    incidentsOfUnit: (unitId) => services_.dispatch?.incidentsAssignedTo(unitId) ?? [],
    isPatientRoutedTo: (patientId, hospitalId) => requests.isPatientRoutedTo(patientId, hospitalId)
  };
  const watchdog = createStalenessWatchdog(config, ctx.alerts);
  const watch = createWatchList(config.watchMinutes);
  const emitters = createSeedEmitters(hub);
  const services: HubServices = {
    hub,
    emitters,
    requests,
    hospitals,
    watchdog,
    vitalsGate: createVitalsGate(config, (key) => ctx.alerts.openFor(key) !== undefined),
    alerts: ctx.alerts,
    bus: ctx.bus,
    watchedPatients: watch,
    unitMoved: (location) => void pendingMoves.set(location.unit_id, location)
  };
  // Latest position per unit, flushed four times a second: a map needs no more, and
  // a burst of GPS fixes then costs one console push per unit instead of one per fix.
  const pendingMoves = new Map<string, UnitLocation>();
  const moveTimer = setInterval(() => {
    for (const moved of pendingMoves.values()) {
      ctx.bus.publish('hub.unitLocation', moved);
      services_.dispatch?.reportUnitLocation?.(moved.unit_id, moved);
    }
    pendingMoves.clear();
  }, 250);
  moveTimer.unref();
  ctx.onClose(() => clearInterval(moveTimer));

  const process = createEventProcessor(services, HUB_HANDLERS);
  attachSocketIo(hub, ctx.tokens, process);
  const closeWs = attachWebSocket(hub, ctx.http.app.server, ctx.tokens, process, ctx.security.allowedOrigins);
  const closeSse = attachSse(hub, ctx.http.router, ctx.tokens);
  registerHubRoutes(ctx, services);
  const stopConsole = registerHubConsole(ctx, services, watch);
  const stopSessionGuard = attachSessionGuard(hub, ctx.revocations);
  const stopAccessRecheck = attachAccessRecheck(hub, ctx.bus);
  const stopSightings = hub.onPresence((kind, conn) => {
    if (kind === 'connected') ctx.devices.sawToken(conn.token.jti);
  });
  const stopReceipts = attachAlertReceiptLog({ alerts: ctx.alerts, log: services_.log, hub, logger });

  // Shutdown, first step: take no new events, answer those taken, and tell every client
  // it is a restart (the transports close next; clients reconnect and resume from last_id).
  ctx.http.onDrain(async () => {
    const unanswered = await hub.gate.drain(config.shutdownDrainMs);
    if (unanswered > 0) logger.warn({ unanswered }, 'shutdown: events still unanswered after the drain deadline');
    const notice = { retry_after_ms: 1000, last_id: hub.history.lastId() };
    for (const conn of hub.registry.all()) (conn.notice ?? conn.direct)('hub.restarting', notice);
    // Bounded apart from the drain: a client that ignores the notice and keeps sending must not hold the stop.
    await hub.gate.quiet(RESTART_QUIET_MS, RESTART_QUIET_MAX_MS);
  });
  // Long-lived streams would hold the HTTP server open: end them as closing starts.
  ctx.http.app.addHook('preClose', async () => {
    await Promise.all([closeSse(), closeWs()]);
  });
  ctx.onClose(async () => {
    hub.closeRefusals();
    stopSessionGuard();
    stopAccessRecheck();
    stopSightings();
    stopReceipts();
    stopConsole();
    watch.close();
    watchdog.close();
    requests.close();
    await services_.log?.flush().catch(() => undefined);
  });

  const service: HubService = {
    publish: (room, event, data) => void hub.publish(room, event, data),
    hub,
    emitters,
    hospitals,
    requests
  };
  ctx.services.hub = service;
  logger.info({ hospitals: hospitals.list().length, rateLimit: `${config.ratePerSecond}/s burst ${config.burst}` }, 'realtime hub started');
  return service;
}
