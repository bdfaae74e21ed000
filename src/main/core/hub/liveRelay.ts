import type { HubConnection, HubStats } from '../../../shared/contract/hub';
import type { RoomMessage } from './roomHistory';

/**
 * Cluster mode's carrier of room messages between nodes (cluster/roomStream.ts):
 * ids are cluster-wide, and every node's WebSocket and SSE subscribers get a
 * message when this node reads it back (hub.received), never straight from publish.
 */
export interface LiveRelay {
  publish(room: string, event: string, data: unknown, timestamp: string, except?: string): Promise<number>;
  since(rooms: Iterable<string>, afterId: number): Promise<RoomMessage[]>;
  /** This node's history is complete for ids above this one. */
  readonly startedAfter: number;
}

/** Cluster mode: the other nodes' connections and the nodes' health (cluster/connectionDirectory.ts, clusterNodes.ts). */
export interface ClusterDirectory {
  readonly node: string;
  remote(): Promise<Array<HubConnection & { node: string }>>;
  nodes(): Promise<Array<{ name: string; status: 'up' | 'late' | 'down' | 'stopped'; started_at: string; heartbeat_age_seconds: number }>>;
  /** Shares this node's hub counters with the cluster and returns the other live nodes' latest ones. */
  shareStats(own: HubStats): Promise<HubStats[]>;
}

/** A published message; in cluster mode its id is known once `assigned` resolves. */
export type PublishedMessage = RoomMessage & { assigned?: Promise<void> };
