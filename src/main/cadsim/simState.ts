import { randomUUID } from 'node:crypto';
import type { CadAck, Incident, Location, Unit } from '../../shared/cad';

/** What a unit is doing in the simulation, beyond its CAD status. */
export type UnitPlan =
  | { phase: 'notified'; incidentId: string; until: number }
  | { phase: 'to_scene'; incidentId: string; target: Location; speedKmh: number }
  | { phase: 'on_scene'; incidentId: string; until: number }
  | { phase: 'to_hospital'; incidentId: string; target: Location; hospital: string; speedKmh: number }
  | { phase: 'at_hospital'; incidentId: string; hospital: string; until: number };

export interface ReceivedMessage {
  event: string;
  idempotency_key: string;
  payload: Record<string, unknown>;
  ack: CadAck;
}

/**
 * Everything the simulated CAD knows. Kept apart from the server so a test can
 * stop the simulator and start a new one with the same state, like a CAD
 * restarting on top of its database (same epoch, same sequence, same keys).
 */
export interface SimState {
  epoch: string;
  seq: number;
  units: Map<string, Unit>;
  incidents: Map<string, Incident>;
  plans: Map<string, UnitPlan>;
  /** Idempotency key -> the first answer; repeats get it again, flagged duplicate. */
  processedKeys: Map<string, CadAck>;
  /** Outbound messages from the bridge, first deliveries only, in arrival order. */
  received: ReceivedMessage[];
  duplicates: number;
  /** Messages refused because they named another epoch. */
  epochMismatches: number;
  nextIncidentNumber: number;
  /** Simulated milliseconds since the start (advances by tick * timeScale). */
  clockMs: number;
  metrics: Record<string, number>;
}

export function createSimState(): SimState {
  return {
    epoch: randomUUID().slice(0, 8),
    seq: 0,
    units: new Map(),
    incidents: new Map(),
    plans: new Map(),
    processedKeys: new Map(),
    received: [],
    duplicates: 0,
    epochMismatches: 0,
    nextIncidentNumber: 1,
    clockMs: 0,
    metrics: {}
  };
}
