import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { parseCoreConfig, type CoreConfigInput } from './config';
import { createAlertCenter } from './alerts/alertCenter';
import { createAlertStore } from './alerts/alertStore';
import { startAlerts } from './alerts/startAlerts';
import { createOperatorStore } from './auth/operators';
import { readOrCreateSecret } from './auth/secretFile';
import { createDeviceRegistry } from './auth/deviceRegistry';
import { createRevocationStore, sqliteRevocationRows } from './auth/revocations';
import { createTokenService } from './auth/tokens';
import { attachConsoleNamespace } from './console/namespace';
import { registerConsoleMetrics } from './console/metrics';
import { registerSessionHandlers } from './console/sessions';
import { createSessionAudit, registerAdminHandlers } from './console/adminHandlers';
import { createSignInThrottle } from './auth/signInThrottle';
import { createEventBus } from './contract/bus';
import { createContractRegistry } from './contract/registry';
import type { CoreContext } from './coreContext';
import { openDatabase } from './db/database';
import { refuseExposedPlainHttp } from './http/exposure';
import { parseSecurityConfig } from './http/securityConfig';
import { createHttpServer } from './http/server';
import { createLogger, createSecretScrubber } from './logger';
import { createMetricsRegistry } from './metrics/registry';
import { registerMetricsRoute } from './metrics/route';
import type { CoreServices } from './services';
import { startBridge } from './bridge/startBridge';
import { parseClusterConfig } from './cluster/clusterConfig';
import { openClusterState } from './cluster/clusterState';
import { startCluster } from './cluster/startCluster';
import { startReplay } from './replay/startReplay';
import { startDispatch } from './dispatch/startDispatch';
import { startHospitals } from './hospitals/startHospitals';
import { startHub } from './hub/startHub';
import { startSocketLog } from './log/service';
import { refuseLostDatabase } from './log/integrity/keyGuard';
import { SWITCHBOARD_VERSION } from './version';

/** Resolved alerts kept for the console (the alert center's own default). */
const ALERTS_KEPT_RESOLVED = 500;

export type { CoreContext } from './coreContext';

export interface Core extends CoreContext {
  /** Every domain's service, once all have started. */
  services: CoreServices;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface CreateCoreOptions {
  /** Where log lines go (tests capture them); default stdout. */
  logDestination?: Writable;
  /** Runs after the domains start and before the server listens (routes must be added before listen). */
  extend?(ctx: CoreContext, services: CoreServices): Promise<void> | void;
}

/**
 * Starts the whole Electron-free core: data directory, database and
 * migrations, HTTP + Socket.IO, console transport and every domain. The
 * Electron shell and `switchboard serve` both call this.
 */
export async function createCore(input: CoreConfigInput, options: CreateCoreOptions = {}): Promise<Core> {
  const config = parseCoreConfig(input);
  const security = parseSecurityConfig(config.security);
  refuseExposedPlainHttp(config.host, security);
  const cluster = parseClusterConfig(config);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const jwtSecret = config.jwtSecret ?? readOrCreateSecret(config.dataDir, 'jwt.secret');
  const scrubber = createSecretScrubber([jwtSecret, config.cad.token, ...config.redact, cluster?.logSecret]);
  const logger = createLogger({ level: config.logLevel, scrubber, destination: options.logDestination });
  const closers: Array<() => Promise<void> | void> = [];

  refuseLostDatabase(config.dataDir, path.join(config.dataDir, 'switchboard.db'));
  const database = await openDatabase(config.dataDir, { quickCheck: true });
  closers.push(() => database.close());
  try {
    if (config.sessionTtlSeconds > security.operatorTokenMaxSeconds) {
      throw new Error(`sessionTtlSeconds (${config.sessionTtlSeconds}) is longer than operatorTokenMaxSeconds (${security.operatorTokenMaxSeconds}).`);
    }
    const tokens = createTokenService(jwtSecret, { operatorMaxSeconds: security.operatorTokenMaxSeconds, fieldMaxSeconds: security.fieldTokenMaxSeconds });
    // Cluster mode: operators, revocations, devices and alerts live in PostgreSQL, shared by the nodes.
    const clusterState = cluster ? await openClusterState(cluster, logger) : undefined;
    if (clusterState) closers.push(() => clusterState.close());
    const stateDb = clusterState?.db ?? database.db;
    const revocations = await createRevocationStore(clusterState?.revocationRows ?? sqliteRevocationRows(database.db));
    closers.push(() => revocations.close());
    tokens.setRevocationCheck(revocations.check);
    const operators = createOperatorStore(stateDb, { minLength: security.passwordMinLength, refused: security.refusedPasswords });
    const throttle = createSignInThrottle({
      freeFailures: security.signInFreeFailures,
      lockoutAfterFailures: security.signInLockoutAfterFailures,
      lockoutSeconds: security.signInLockoutSeconds,
      addressFactor: 3
    });
    const devices = createDeviceRegistry(stateDb, revocations);
    closers.push(async () => {
      devices.close();
      await devices.flush().catch(() => undefined);
    });
    const bus = createEventBus();
    const api = createContractRegistry(logger.child({ domain: 'contract' }));
    const alertStore = clusterState?.alertStore ?? createAlertStore(database.db, logger.child({ domain: 'alerts' }));
    const alerts = createAlertCenter({
      bus,
      escalateAfterSeconds: Number(config.hub.alertEscalateSeconds ?? 120),
      store: alertStore,
      restored: await alertStore.load(ALERTS_KEPT_RESOLVED),
      claimEscalation: clusterState?.claimEscalation
    });
    closers.push(() => alerts.close());
    await clusterState?.followAlerts(alerts);
    const http = createHttpServer({
      logger,
      tokens,
      version: SWITCHBOARD_VERSION,
      rendererDir: config.rendererDir,
      security
    });
    const metrics = createMetricsRegistry();
    const ctx: CoreContext = {
      config,
      security,
      logger,
      scrubber,
      database,
      clusterState,
      tokens,
      revocations,
      throttle,
      devices,
      operators,
      api,
      bus,
      alerts,
      http,
      metrics,
      startedAt: new Date(),
      bootId: randomUUID(),
      onClose: (fn) => closers.push(fn)
    };

    // Domains: each start function takes the services it needs and returns its own,
    // so the order below is the one the compiler allows.
    const log = await startSocketLog(ctx);
    // Cluster mode: the log's writes go to PostgreSQL, Socket.IO crosses nodes through Redis.
    const clusterService = cluster ? await startCluster(ctx, cluster, { log }) : null;
    const audit = createSessionAudit(ctx, log);
    registerSessionHandlers(api, { operators, tokens, revocations, throttle, ttlSeconds: config.sessionTtlSeconds, audit });
    registerAdminHandlers(ctx, audit);
    const consoleNsp = attachConsoleNamespace({ io: http.io, api, bus, operators, tokens, revocations, logger, allowedOrigins: security.allowedOrigins, trustProxy: security.trustProxy, audit, bootId: ctx.bootId, nodeName: cluster?.nodeName });
    closers.push(() => consoleNsp.close());
    registerConsoleMetrics(metrics, consoleNsp.connections);

    const dispatch = await startDispatch(ctx, { log });
    const hub = await startHub(ctx, { log, dispatch, cluster: clusterService });
    startAlerts(ctx, { log, hub });
    const hospitals = await startHospitals(ctx, { hub });
    const bridge = await startBridge(ctx, { log, dispatch, hub, cluster: clusterService });
    const replay = await startReplay(ctx, { log, dispatch, hub, bridge }); // keyframes read every domain above
    registerMetricsRoute(ctx);
    const services: CoreServices = { log, dispatch, hub, hospitals, bridge, replay };

    await options.extend?.(ctx, services);
    const port = await http.listen(config.host, config.port);
    const displayHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `${http.scheme}://${displayHost.includes(':') ? `[${displayHost}]` : displayHost}:${port}`;
    let info = { url, consoleConnections: consoleNsp.connections };
    api.handle('system.info', (_input, callCtx) => ({
      name: 'switchboard' as const,
      version: SWITCHBOARD_VERSION,
      started_at: ctx.startedAt.toISOString(),
      boot_id: ctx.bootId,
      url: info.url,
      data_dir: path.resolve(config.dataDir),
      transport: callCtx.transport === 'ipc' ? ('ipc' as const) : ('socket' as const)
    }));
    const heartbeat = setInterval(() => {
      bus.publish('system.heartbeat', { at: new Date().toISOString(), connections: info.consoleConnections() });
    }, 5_000);
    heartbeat.unref();
    closers.push(() => clearInterval(heartbeat));
    logger.info({ url, dataDir: config.dataDir }, 'switchboard core started');

    let closing: Promise<void> | null = null;
    return {
      ...ctx,
      services,
      url,
      port,
      close() {
        closing ??= (async () => {
          // Consoles must not look live while the core winds down (it can take a while with consoles connected).
          consoleNsp.announceStopping();
          // Stop accepting first, then let domains flush, database last.
          await http.close().catch((err) => logger.warn({ err }, 'http close failed'));
          for (const fn of closers.reverse()) {
            try {
              await fn();
            } catch (err) {
              logger.warn({ err }, 'close step failed');
            }
          }
          info = { ...info };
          logger.info('switchboard core stopped');
        })();
        return closing;
      }
    };
  } catch (err) {
    for (const fn of closers.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    throw err;
  }
}
