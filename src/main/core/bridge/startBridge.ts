import type { Socket } from 'socket.io-client';
import { CAD_INBOUND_EVENTS, outboundBodySchemas } from '../../../shared/cad';
import { registerBridgeMetrics } from './metrics';
import type { BridgeHealth } from '../../../shared/contract/bridge';
import type { CoreContext } from '../coreContext';
import type { DispatchState } from '../dispatch/dispatchState';
import { AppError, describeIssues } from '../errors';
import type { HubPublisher } from '../hub/types';
import type { SocketLogWriter } from '../log/types';
import type { BridgeService } from './bridgeService';
import { registerBridgeHandlers } from './consoleHandlers';
import { CAD_EPOCH_FIELD, createOutboxDelivery } from './delivery';
import { buildHealth } from './health';
import { createHeldMessages } from './heldMessages';
import { createInboundProcessor } from './inbound';
import { createCadLink, displayUrl, type CadTarget } from './link';
import { createOutboxStore } from './outbox';
import { createResync } from './resync';
import { registerBridgeRoutes } from './routes';
import { createSequenceTracker } from './sequence';
import { BridgeSettingsSchema } from './settings';
import { loadStoredTarget, storeTarget } from './target';
import { parseUntrusted } from '../../../shared/parseUntrusted';
import type { ClusterService } from '../cluster/startCluster';
import { startCadCluster, type CadCluster } from '../cluster/cadCluster';
import { createClusterOutboxStore } from '../cluster/cadOutboxStore';
import { createPgOutbox } from '../cluster/pgOutbox';
import type { OutboxPort } from './outboxPort';

const CAD_LINK_ALERT = 'cad_link';

/**
 * The CAD bridge: one Socket.IO client to the CAD backend that keeps the
 * dispatch picture in sync, relays CAD traffic to the hub, and delivers the
 * console's actions through a durable outbox. Starts after the hub.
 */
export async function startBridge(
  ctx: CoreContext,
  deps: { log: SocketLogWriter; dispatch: DispatchState; hub: HubPublisher; cluster?: ClusterService | null }
): Promise<BridgeService> {
  const logger = ctx.logger.child({ domain: 'bridge' });
  const parsedSettings = BridgeSettingsSchema.safeParse(ctx.config.bridge);
  if (!parsedSettings.success) throw new Error(`Invalid bridge settings: ${describeIssues(parsedSettings.error.issues)}`);
  const settings = parsedSettings.data;
  const { dispatch } = deps;

  let target: CadTarget = ctx.config.cad.url
    ? { url: ctx.config.cad.url, token: ctx.config.cad.token ?? null }
    : (loadStoredTarget(ctx.config.dataDir) ?? { url: null, token: null });
  ctx.scrubber.add(target.token ?? undefined);

  if (deps.cluster && settings.leaseRenewMs * 2 > settings.leaseTtlMs) {
    throw new Error(`Invalid bridge settings: leaseRenewMs (${settings.leaseRenewMs}) must be at most half of leaseTtlMs (${settings.leaseTtlMs}), or the CAD link lease lapses between renewals.`);
  }
  // Cluster mode: the outbox is PostgreSQL's (any node enqueues, the CAD link holder delivers).
  let cad: CadCluster | null = null;
  const clusterStore = deps.cluster
    ? createClusterOutboxStore({ outbox: createPgOutbox(deps.cluster.pg), fence: () => cad?.fence() ?? null, logger, onCountsChanged: () => pushHealth() })
    : null;
  const store: OutboxPort = clusterStore ?? createOutboxStore(ctx.database.db, ctx.database.sqlite);
  const prune = async () => {
    const pruned = await store.pruneDelivered(new Date(Date.now() - settings.outboxRetentionHours * 3_600_000));
    if (pruned) logger.info({ pruned }, 'pruned delivered outbox rows');
  };
  await prune();
  // Health reads the counts synchronously; in cluster mode they come from PostgreSQL, read once now and then every second.
  await clusterStore?.refreshCounts();
  const tracker = createSequenceTracker();

  // Health is pushed on every change: at once when the state changes, coalesced
  // (one push per healthPushIntervalMs) when only counters and times moved.
  let lastKey = '';
  let pushTimer: NodeJS.Timeout | null = null;
  const stateKey = (h: BridgeHealth) =>
    JSON.stringify([h.status, h.bridge.connected, h.bridge.last_error, h.bridge.connection_attempts, h.bridge.resyncing, h.bridge.cad_url, h.bridge.next_retry_at, h.bridge.outbox.held]);
  const publishNow = (health = service.health()) => {
    if (pushTimer) clearTimeout(pushTimer);
    pushTimer = null;
    lastKey = stateKey(health);
    ctx.bus.publish('bridge.health', health);
  };
  const pushHealthSoon = () => {
    if (pushTimer) return;
    pushTimer = setTimeout(() => publishNow(), settings.healthPushIntervalMs);
    pushTimer.unref();
  };
  const pushHealth = () => {
    const health = service.health();
    if (stateKey(health) !== lastKey) publishNow(health);
    else pushHealthSoon();
  };

  const resync = createResync({
    dispatch,
    tracker,
    settings,
    logger,
    onChange: pushHealth,
    onSynced: () => {
      cad?.holderSynced();
      delivery.kick();
    }
  });
  const following = () => cad !== null && !cad.isHolder();
  /** The CAD epoch the picture is in sync with; null while a snapshot (from the CAD, or from the link holder) is due. */
  const syncedEpoch = () => ((following() ? cad!.followerResyncing() : resync.active()) ? null : (tracker.position()?.epoch ?? null));
  const inboundDeps = { dispatch, logger, bus: ctx.bus, tracker, log: deps.log, hub: deps.hub, logInbound: settings.logInbound, requestResync: (reason: string) => resync.request(reason) };
  const inbound = createInboundProcessor(inboundDeps);
  // Nothing is delivered from a node that does not hold the CAD link.
  const delivery = createOutboxDelivery({ store, settings, logger, log: deps.log, onChange: pushHealth, syncedEpoch: () => (following() ? null : syncedEpoch()) });

  let alertTimer: NodeJS.Timeout | null = null;
  const watchForOutage = () => {
    if (alertTimer || !target.url || following()) return;
    alertTimer = setTimeout(() => {
      alertTimer = null;
      const state = link.state();
      if (state.connected || following()) return;
      ctx.alerts.raise({
        key: CAD_LINK_ALERT,
        kind: 'cad_link',
        severity: 'warning',
        title: 'CAD link down',
        message: state.lastError ?? 'The CAD backend is unreachable; outbound actions are queued.',
        source: 'bridge',
        data: { outbox_pending: store.counts().pending }
      });
    }, settings.disconnectAlertAfterMs);
    alertTimer.unref();
  };

  const attachInbound = (socket: Socket) => {
    for (const event of CAD_INBOUND_EVENTS) {
      socket.on(event, (payload: unknown) => {
        inbound.handle(event, payload, socket.id ?? 'cad');
        // Only last_event_at changed (resync requests push on their own): coalesce.
        pushHealthSoon();
      });
    }
  };

  const link = createCadLink({
    settings,
    logger,
    target,
    caFile: ctx.config.cad.caFile,
    onConnected(socket) {
      if (alertTimer) clearTimeout(alertTimer);
      alertTimer = null;
      ctx.alerts.clear(CAD_LINK_ALERT);
      attachInbound(socket);
      resync.linkUp(socket);
      delivery.linkUp(socket);
    },
    onDisconnected() {
      resync.linkDown();
      delivery.linkDown();
      watchForOutage();
    },
    onStateChange() {
      if (!link.state().connected) watchForOutage();
      cad?.linkChanged();
      pushHealth();
    }
  });

  /** A new CAD URL or token: kept in the data directory, used by the link (at once, unless another node holds it). */
  const applyTarget = (next: CadTarget) => {
    target = next;
    ctx.scrubber.add(next.token ?? undefined);
    storeTarget(ctx.config.dataDir, target);
    link.setTarget(target, !following());
  };
  const ownView = () => ({ link: link.state(), cadUrl: displayUrl(target.url), lastEventAt: inbound.stats().lastEventAt, holderResyncing: resync.active() });
  const service: BridgeService = {
    health: () => {
      const view = cad ? cad.view(ownView()) : ownView();
      return buildHealth({
        link: view.link,
        url: target.url,
        resyncing: following() ? cad!.followerResyncing() || view.holderResyncing : resync.active(),
        deliveryStalled: delivery.stalled(),
        handlers: inbound.handlersRegistered(),
        lastEventAt: view.lastEventAt,
        outbox: store.counts(),
        cluster: cad ? { node: cad.node, link_holder: cad.holder(), lease_epoch: cad.leaseEpoch() } : undefined
      });
    },
    async send(event, body, options = {}) {
      const parsed = parseUntrusted(outboundBodySchemas[event], body);
      if (!parsed.success) throw new AppError('VALIDATION_FAILED', `${event}: ${describeIssues(parsed.error.issues)}`);
      // Ids in the message mean what they meant in the CAD's current epoch: bind it, so it is never delivered into another one.
      const epoch = event === 'metrics:broadcast' ? undefined : tracker.position()?.epoch;
      const receipt = await store.enqueue({
        event,
        body: { ...(parsed.data as Record<string, unknown>), ...(epoch ? { [CAD_EPOCH_FIELD]: epoch } : {}) },
        idempotencyKey: options.idempotencyKey,
        requestedBy: options.requestedBy ?? null
      });
      if (receipt.duplicate && receipt.event !== event) {
        throw new AppError('CONFLICT', `Idempotency key ${receipt.idempotency_key} was already used for ${receipt.event}.`);
      }
      if (cad) cad.outboxChanged();
      else delivery.kick();
      pushHealth();
      return receipt;
    },
    on: (event, handler) => inbound.on(event, handler),
    reconnect() {
      logger.info('manual reconnect requested');
      if (cad) cad.reconnect();
      else link.reconnectNow();
      return service.health();
    },
    configure(next) {
      const sameOrigin = target.url !== null && new URL(target.url).origin === new URL(next.url).origin;
      if (next.token === undefined && target.token && !sameOrigin) {
        // Never hand the old CAD's token to a different host.
        throw new AppError('VALIDATION_FAILED', 'Give the CAD token again when pointing the bridge at a different CAD.');
      }
      applyTarget({ url: next.url, token: next.token ?? target.token });
      // In cluster mode every node takes the setting (the link holder connects with it).
      cad?.targetChanged(target);
      logger.info({ cadUrl: service.health().bridge.cad_url, tokenChanged: next.token !== undefined }, 'CAD link reconfigured');
      return service.health();
    },
    stats: () => ({ inbound: inbound.stats(), delivery: delivery.stats(), resyncs: resync.count(), gaps: tracker.gaps() }),
    held: createHeldMessages({ store, rewind: () => (cad ? cad.rewind() : delivery.rewind()), syncedEpoch, logger, log: deps.log, onChange: pushHealth })
  };

  const pruneTimer = setInterval(() => {
    prune().catch((err: unknown) => logger.warn({ err }, 'outbox prune failed'));
  }, 3_600_000);
  pruneTimer.unref();

  ctx.onClose(async () => {
    clearInterval(pruneTimer);
    if (pushTimer) clearTimeout(pushTimer);
    if (alertTimer) clearTimeout(alertTimer);
    link.close();
    resync.close();
    delivery.close();
    await store.close();
    await cad?.close();
  });

  registerBridgeHandlers(ctx, { bridge: service, dispatch });
  registerBridgeRoutes(ctx, { bridge: service, dispatch });
  registerBridgeMetrics(ctx.metrics, service, logger);
  if (deps.cluster) {
    const followerInbound = createInboundProcessor({ ...inboundDeps, logInbound: false, relay: false, requestResync: (reason: string) => cad?.requestPicture(reason) });
    cad = await startCadCluster({
      pg: deps.cluster.pg,
      redis: deps.cluster.redis,
      node: deps.cluster.config.nodeName,
      incarnation: deps.cluster.log.stats().incarnation,
      settings,
      logger,
      metrics: ctx.metrics,
      dispatch,
      tracker,
      link,
      resync,
      delivery,
      inbound,
      followerInbound,
      ownView,
      refreshOutboxCounts: () => void clusterStore?.refreshCounts(),
      pendingCount: () => store.counts().pending,
      applyTarget,
      onChange: pushHealth
    });
  }

  // In cluster mode the link starts when this node takes the CAD link lease.
  if (!cad) link.start();
  return service;
}
