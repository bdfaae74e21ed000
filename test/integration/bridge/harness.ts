import { createCadSimulator, type CadSimulator, type CadSimulatorOptions } from '../../../src/main/cadsim/cadSimulator';
import type { CoreConfigInput } from '../../../src/main/core/config';
import type { HubPublisher } from '../../../src/main/core/hub/types';
import { startTestCore, tempDir, type TestCore } from '../../helpers/core';
import { modeCoreConfig } from '../../helpers/testMode';
export { waitFor } from '../../helpers/waitFor';

export const CAD_TOKEN = 'test-cad-token-3f9a1c77d2e84b0c';

/** Fast settings so outages and retries take milliseconds, not seconds. */
export const FAST_BRIDGE = {
  /** Cluster mode: a restarted node takes the CAD link lease back from its stopped self quickly. */
  leaseTtlMs: 1_500,
  leaseRenewMs: 300,
  backoffInitialMs: 50,
  backoffMaxMs: 250,
  authRetryMs: 1_500,
  connectTimeoutMs: 1_000,
  ackTimeoutMs: 1_000,
  snapshotTimeoutMs: 2_000,
  disconnectAlertAfterMs: 60_000,
  healthPushIntervalMs: 20
};

export interface RelayRecord {
  room: string;
  event: string;
  data: unknown;
}

export async function startSim(overrides: Partial<CadSimulatorOptions> = {}): Promise<CadSimulator> {
  return createCadSimulator({ token: CAD_TOKEN, tickMs: 0, units: 8, incidentsPerMinute: 0, ...overrides });
}

/**
 * What a core's storage is, by data directory: a core started again on the same
 * directory (a console restart) finds its outbox again (on one node the
 * directory's SQLite; in cluster test mode the same PostgreSQL database and Redis,
 * which test/helpers/testMode.ts remembers per directory).
 */
const storageFor = (dataDir: string): Promise<Partial<CoreConfigInput>> => modeCoreConfig(dataDir);

/**
 * A core pointed at the simulator. Messages the bridge relays to the hub are
 * recorded on their way to the real hub.
 */
export async function startBridgedCore(
  cadUrl: string,
  options: { token?: string; dataDir?: string; bridge?: Record<string, unknown>; extra?: Partial<CoreConfigInput> } = {}
): Promise<TestCore & { relayed: RelayRecord[] }> {
  const relayed: RelayRecord[] = [];
  const dataDir = options.dataDir ?? tempDir('switchboard-bridge-');
  const running = await startTestCore({
    ...(await storageFor(dataDir)),
    dataDir,
    cad: { url: cadUrl, token: options.token ?? CAD_TOKEN },
    bridge: { ...FAST_BRIDGE, ...options.bridge },
    ...options.extra
  });
  // The bridge holds the hub's service object it was started with: record on that object.
  const hub: HubPublisher = running.core.services.hub;
  const real = hub.publish.bind(hub);
  hub.publish = (room, event, data) => {
    relayed.push({ room, event, data });
    real(room, event, data);
  };
  return Object.assign(running, { relayed });
}

const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

/** The console's picture and the simulator's, in comparable form. */
export function pictures(core: TestCore['core'], sim: CadSimulator) {
  return {
    console: { units: byId(core.services.dispatch.units()), incidents: byId(core.services.dispatch.incidents()) },
    cad: { units: byId([...sim.state.units.values()]), incidents: byId([...sim.state.incidents.values()]) }
  };
}

export const inSync = (core: TestCore['core'], sim: CadSimulator) => {
  const p = pictures(core, sim);
  return JSON.stringify(p.console) === JSON.stringify(p.cad);
};
