import type { UnitLocation } from '../../../shared/contract/hub';
import type { AccessFacts } from '../../../shared/rooms';
import type { CoreContext } from '../coreContext';
import type { DispatchAssignments } from '../dispatch/types';
import { describeIssues } from '../errors';
import type { SocketLogWriter } from '../log/types';
import { registerHubConsole, createWatchList } from './consoleApi';
import { createSeedEmitters, type SeedEmitters } from './emitters';
import { createConnectionAdmission } from './connectionAdmission';
import { createEventProcessor, type DomainHandlers, type HubServices } from './events';
import { HUB_HANDLERS } from './handlers';
import { createHub, type Hub } from './hub';
import { HubConfigSchema } from './hubConfig';
import { registerHubGauges } from './metricsGauges';
import { registerHubRoutes } from './routes';
import { attachSocketIo } from './socketioTransport';
import { attachSse } from './sseTransport';
import { attachAccessRecheck } from './accessRecheck';
import { attachSessionGuard } from './sessionGuard';
import { createVitalsGate } from './vitalsGate';
import { pgSightings } from '../cluster/pgSightings';
import { createStalenessWatchdog } from './staleness';
import type { HubPublisher } from './types';
import { attachWebSocket } from './websocketTransport';

/** What the hub offers other domains and tests. */
export interface HubService extends HubPublisher {
  hub: Hub;
  emitters: SeedEmitters;
  /**
   * For a domain that starts after the hub: answers its own client events on the
   * hub's event path and adds the facts the room rules ask it (the hospitals
   * domain: ambulance requests, and which patient is routed to which hospital).
   */
  extend(extension: { handlers?: DomainHandlers; accessFacts?: Partial<AccessFacts> }): void;
}

/** On shutdown, how long no event may arrive before the transports close (each one that does is answered RESTARTING). */
const RESTART_QUIET_MS = 150;
const RESTART_QUIET_MAX_MS = 2_000;

/**
 * Starts the realtime hub on the core's HTTP port: Socket.IO (default
 * namespace), raw WebSocket and SSE, device data, alerts from hub traffic,
 * REST status routes and the console contract. Writes every event through the
 * socket log; asks dispatch which incidents a unit is on (room rules).
 */
export async function startHub(ctx: CoreContext, deps: { log: SocketLogWriter; dispatch: DispatchAssignments; cluster?: { attachLive(hub: Hub): Promise<void> } | null }): Promise<HubService> {
  const logger = ctx.logger.child({ domain: 'hub' });
  const parsed = HubConfigSchema.safeParse(ctx.config.hub);
  if (!parsed.success) throw new Error(`Invalid hub settings: ${describeIssues(parsed.error.issues)}`);
  const config = parsed.data;
  const { log, dispatch } = deps;

  const hub = createHub({ config, nsp: ctx.http.io.of('/'), log, logger, bus: ctx.bus, metrics: ctx.metrics });
  registerHubGauges(ctx.metrics, ctx.alerts, hub);
  // Cluster mode: WebSocket and SSE room traffic and the connection registry cross nodes through Redis.
  await deps.cluster?.attachLive(hub);
  hub.accessFacts = {
    // Read dispatch at call time: the assignment picture changes under us.
    incidentsOfUnit: (unitId) => dispatch.incidentsAssignedTo(unitId),
    // No patient is routed to a hospital until the hospitals domain says so (extend).
    isPatientRoutedTo: () => false
  };
  // Cluster mode: a device may report to any node, so staleness is judged on the sightings the nodes share.
  const sightings = ctx.clusterState && pgSightings(ctx.clusterState.pg);
  const watchdog = createStalenessWatchdog(config, ctx.alerts, sightings, (err) => ctx.logger.warn({ err }, 'the staleness watchdog could not sync with the other nodes; it retries next tick'));
  const watch = createWatchList(config.watchMinutes);
  const emitters = createSeedEmitters(hub);
  const services: HubServices = {
    hub,
    emitters,
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
    }
    pendingMoves.clear();
  }, 250);
  moveTimer.unref();
  ctx.onClose(() => clearInterval(moveTimer));

  // One map the event path reads per event; domains that start later add their events to it.
  const handlers: DomainHandlers = { ...HUB_HANDLERS };
  const process = createEventProcessor(services, handlers);
  // One token check and refusal for the three transports, and one rule for the client's address.
  const admission = createConnectionAdmission(hub, ctx.tokens, { trustProxy: ctx.security.trustProxy, maxConnectionsPerAddress: ctx.security.maxConnectionsPerAddress });
  attachSocketIo(hub, admission, process);
  const closeWs = attachWebSocket(hub, ctx.http.app.server, admission, process, ctx.security.allowedOrigins);
  const closeSse = attachSse(hub, ctx.http.router, admission);
  registerHubRoutes(ctx, services);
  const stopConsole = registerHubConsole(ctx, services, watch);
  const stopSessionGuard = attachSessionGuard(hub, ctx.revocations);
  const stopAccessRecheck = attachAccessRecheck(hub, ctx.bus);
  const stopSightings = hub.onPresence((kind, conn) => {
    if (kind === 'connected') ctx.devices.sawToken(conn.token.jti);
  });

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
    admission.close();
    stopSessionGuard();
    stopAccessRecheck();
    stopSightings();
    stopConsole();
    watch.close();
    watchdog.close();
    await log.flush().catch(() => undefined);
  });

  const service: HubService = {
    publish: (room, event, data) => void hub.publish(room, event, data),
    hub,
    emitters,
    extend(extension) {
      Object.assign(handlers, extension.handlers);
      Object.assign(hub.accessFacts, extension.accessFacts);
    }
  };
  logger.info({ rateLimit: `${config.ratePerSecond}/s burst ${config.burst}` }, 'realtime hub started');
  return service;
}
