import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { CAD_INBOUND_EVENTS, type CadInboundEvent, type CadSnapshot } from '../../../shared/cad';
import type { OutboxDelivery } from '../bridge/delivery';
import type { InboundProcessor } from '../bridge/inbound';
import type { CadLink, CadTarget, LinkState } from '../bridge/link';
import type { Resync } from '../bridge/resync';
import type { SequenceTracker } from '../bridge/sequence';
import type { BridgeSettings } from '../bridge/settings';
import type { DispatchState } from '../dispatch/dispatchState';
import type { MetricsRegistry } from '../metrics/registry';
import { CAD_LEASE, startLease, type Lease } from './cadLease';
import { createFollowerSync } from './cadFollowerSync';
import { startCadRelay, type RedisClient, type RelayMessage } from './cadRelay';
import type { Fence } from './pgOutbox';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';

/** What the bridge shows about the CAD link holder on every node. */
export interface LinkView {
  link: LinkState;
  cadUrl: string | null;
  lastEventAt: string | null;
  /** The holder is re-reading the CAD's picture (its own resync). */
  holderResyncing: boolean;
}

export interface CadCluster {
  node: string;
  isHolder(): boolean;
  /** The fencing token for outbox settles; null unless this node holds the lease. */
  fence(): Fence | null;
  holder(): string | null;
  leaseEpoch(): number | null;
  /** The link as every node shows it: this node's own while it holds it, else the holder's last heartbeat. */
  view(own: LinkView): LinkView;
  /** This node is waiting for the holder's picture. */
  followerResyncing(): boolean;
  followerResyncs(): number;
  /** A follower saw a gap in the republished events: ask the holder for its picture (ignored on the holder). */
  requestPicture(reason: string): void;
  /** The outbox changed on this node: the holder should read it now. */
  outboxChanged(): void;
  /** A held message went back to pending: the holder drains again from the oldest. */
  rewind(): void;
  reconnect(): void;
  /** The holder's picture now matches the CAD: publish it to the other nodes. */
  holderSynced(): void;
  /** The link's state changed on the holder: tell the others now rather than at the next heartbeat. */
  linkChanged(): void;
  /** An admin set the CAD link on this node: the other nodes take it too. */
  targetChanged(target: CadTarget): void;
  close(): Promise<void>;
}

export interface CadClusterDeps {
  pg: PgDatabase;
  redis: RedisClient;
  node: string;
  incarnation: string;
  settings: BridgeSettings;
  logger: Logger;
  metrics: MetricsRegistry;
  dispatch: DispatchState;
  tracker: SequenceTracker;
  link: CadLink;
  resync: Resync;
  delivery: OutboxDelivery;
  /** The holder's processor (relays to the hub, logs); its applied events are republished. */
  inbound: InboundProcessor;
  /** A follower's: applies republished events to this node's picture only. */
  followerInbound: InboundProcessor;
  ownView(): LinkView;
  refreshOutboxCounts(): void;
  /** Pending outbox messages, as last read. */
  pendingCount(): number;
  /** Another node's admin set the CAD link. */
  applyTarget(target: CadTarget): void;
  onChange(): void;
}

/**
 * The CAD link in cluster mode: one holder at a time, every node the same picture.
 *
 * The node holding the `cad-link` lease (cadLease.ts) runs the bridge's link to
 * the CAD; the others stand by and take the lease when it expires (its holder
 * was killed or cut off). The holder applies CAD events and republishes them on
 * Redis with their CAD epoch and sequence (cadRelay.ts); the others apply them
 * and resynchronise from the holder's picture on a gap (cadFollowerSync.ts).
 * The outbox is PostgreSQL's, so any node's console enqueues; only the holder
 * delivers, fenced by its lease epoch.
 */
export async function startCadCluster(deps: CadClusterDeps): Promise<CadCluster> {
  const { settings, logger, link, delivery, tracker, dispatch } = deps;
  let lease: Lease | null = null;
  let holding = false;
  /** The newest lease epoch heard of: messages from an older holder are ignored. */
  let newestLease = 0;
  let remote: { node: string; at: number; view: LinkView } | null = null;
  let snapshotDue = false;

  const myLease = () => (holding ? (lease?.state().epoch ?? 0) : newestLease);
  const isHolder = () => holding && lease !== null && lease.state().held;

  const relay = await startCadRelay({ redis: deps.redis, node: deps.node, logger, onMessage: (m) => onMessage(m) });
  const follower = createFollowerSync({
    dispatch,
    tracker,
    logger,
    retryMs: settings.snapshotTimeoutMs,
    ask: () => relay.send({ t: 'want-snapshot' }, myLease()),
    onChange: deps.onChange
  });

  const sendHeartbeat = () => {
    if (!isHolder()) return;
    const own = deps.ownView();
    const position = deps.resync.active() ? null : tracker.position();
    relay.send({ t: 'heartbeat', link: own.link, position, resyncing: own.holderResyncing, lastEventAt: own.lastEventAt, cadUrl: own.cadUrl }, myLease());
  };
  const sendSnapshot = () => {
    snapshotDue = false;
    const position = tracker.position();
    if (!isHolder() || !position || deps.resync.active()) return;
    const snapshot: CadSnapshot = { epoch: position.epoch, seq: position.seq, units: dispatch.units(), incidents: dispatch.incidents(), at: new Date().toISOString() };
    relay.send({ t: 'snapshot', snapshot }, myLease());
  };

  // The holder republishes what it applied, in the order it applied it.
  for (const event of CAD_INBOUND_EVENTS) {
    deps.inbound.on(event, (payload) => {
      if (holding) relay.sendEvent(event, payload, myLease());
    });
  }

  function onMessage(m: RelayMessage): void {
    const fromHolder = m.t === 'events' || m.t === 'snapshot' || m.t === 'heartbeat';
    if (fromHolder) {
      if (m.lease < newestLease || isHolder()) return;
      newestLease = m.lease;
    }
    switch (m.t) {
      case 'events':
        for (const item of m.items) deps.followerInbound.handle(item.event as CadInboundEvent, item.payload, `relay:${m.node}`);
        return;
      case 'snapshot':
        follower.apply(m.snapshot);
        return;
      case 'heartbeat': {
        const changed = remote?.node !== m.node || remote.view.link.connected !== m.link.connected || remote.view.link.lastError !== m.link.lastError;
        remote = { node: m.node, at: performance.now(), view: { link: m.link, cadUrl: m.cadUrl, lastEventAt: m.lastEventAt, holderResyncing: m.resyncing } };
        const mine = tracker.position();
        // Everything the holder sent before this heartbeat has arrived (one connection keeps order): behind it means messages were lost.
        if (m.position && !follower.active() && (!mine || mine.epoch !== m.position.epoch || mine.seq < m.position.seq)) follower.request('behind the CAD link holder');
        if (changed) deps.onChange();
        return;
      }
      case 'want-snapshot':
        if (isHolder() && !snapshotDue) {
          snapshotDue = true;
          setImmediate(sendSnapshot);
        }
        return;
      case 'kick':
        if (isHolder()) delivery.kick();
        return;
      case 'rewind':
        if (isHolder()) delivery.rewind();
        return;
      case 'reconnect':
        if (isHolder()) link.reconnectNow();
        return;
      case 'target':
        logger.info({ from: m.node }, 'the CAD link was set on another node; taking the same setting');
        deps.applyTarget({ url: m.url, token: m.token });
        return;
    }
  }

  const onLease = (held: boolean) => {
    if (held === holding) return;
    holding = held;
    if (held) {
      logger.info({ epoch: lease?.state().epoch }, 'this node holds the CAD link lease: connecting to the CAD');
      newestLease = Math.max(newestLease, lease?.state().epoch ?? 0);
      remote = null;
      follower.cancel();
      link.start();
    } else {
      logger.warn('this node does not hold the CAD link lease (any more): the link stays with the holder');
      link.pause('another node holds the CAD link');
      follower.request('this node stopped holding the CAD link');
    }
    deps.onChange();
  };

  lease = startLease({
    pg: deps.pg,
    name: CAD_LEASE,
    holder: deps.node,
    incarnation: deps.incarnation,
    ttlMs: settings.leaseTtlMs,
    renewMs: settings.leaseRenewMs,
    logger,
    onChange: (state) => onLease(state.held)
  });
  follower.request('node started');

  // The heartbeat, and the safety net under pub/sub (which keeps nothing): the holder
  // reads the outbox and every node its counts, even when no message said so.
  const timer = setInterval(() => {
    if (isHolder()) {
      sendHeartbeat();
      // Nothing in flight yet messages pending: they may be behind the drain's position (a
      // re-confirmed held message whose "rewind" was lost). Reading again from the oldest
      // resends nothing that is in flight, so it is safe whenever the drain is idle.
      if (delivery.stats().inFlight === 0 && deps.pendingCount() > 0) delivery.rewind();
      else delivery.kick();
    } else if (holding) onLease(false);
    deps.refreshOutboxCounts();
  }, settings.leaseRenewMs);
  timer.unref();

  new Gauge({
    name: 'switchboard_cad_link_holder',
    help: 'This node holds the CAD link lease (1) or stands by (0).',
    registers: [deps.metrics],
    collect() {
      this.set(isHolder() ? 1 : 0);
    }
  });

  return {
    node: deps.node,
    isHolder,
    fence: () => {
      const state = lease?.state();
      return state?.held && state.epoch !== null ? { lease: CAD_LEASE, incarnation: deps.incarnation, epoch: state.epoch } : null;
    },
    holder: () => (isHolder() ? deps.node : (remote && performance.now() - remote.at < settings.leaseTtlMs ? remote.node : null)),
    leaseEpoch: () => (isHolder() ? (lease?.state().epoch ?? null) : newestLease || null),
    view(own) {
      if (isHolder()) return own;
      if (remote && performance.now() - remote.at < settings.leaseTtlMs) return remote.view;
      const link: LinkState = {
        connected: false,
        attempts: 0,
        lastConnection: null,
        connectedSince: null,
        lastError: `No node holds the CAD link right now; a standby node takes it over within ${Math.ceil((settings.leaseTtlMs + settings.leaseRenewMs) / 1000)} s of the holder stopping.`,
        nextRetryAt: null,
        gaveUp: false
      };
      return { link, cadUrl: remote?.view.cadUrl ?? own.cadUrl, lastEventAt: remote?.view.lastEventAt ?? null, holderResyncing: false };
    },
    followerResyncing: () => !isHolder() && follower.active(),
    followerResyncs: () => follower.count(),
    requestPicture(reason) {
      if (!isHolder()) follower.request(reason);
    },
    outboxChanged() {
      if (isHolder()) delivery.kick();
      else relay.send({ t: 'kick' }, myLease());
    },
    rewind() {
      if (isHolder()) delivery.rewind();
      else relay.send({ t: 'rewind' }, myLease());
    },
    reconnect() {
      if (isHolder()) link.reconnectNow();
      else relay.send({ t: 'reconnect' }, myLease());
    },
    holderSynced() {
      if (isHolder()) sendSnapshot();
    },
    linkChanged: sendHeartbeat,
    targetChanged: (target) => {
      if (target.url) relay.send({ t: 'target', url: target.url, token: target.token }, myLease());
    },
    async close() {
      clearInterval(timer);
      follower.close();
      // Released, not left to expire: a node stopped on purpose hands the link over at once.
      await lease?.close({ release: true });
      await relay.close();
    }
  };
}
