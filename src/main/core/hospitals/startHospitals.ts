import { announceHospitalChange, followHospitalChanges } from '../cluster/clusterHospitals';
import { pgAmbulanceRequests } from '../cluster/pgAmbulanceRequests';
import type { CoreContext } from '../coreContext';
import type { HubService } from '../hub/startHub';
import { createAmbulanceRequests, type AmbulanceRequests } from './ambulanceRequests';
import { createHospitalRegistry, type HospitalRegistry } from './hospitals';
import { createHospitalHandlers } from './hubHandlers';
import { registerHospitalConsole, registerHospitalRoutes } from './routes';

/** What the hospitals domain offers tests and the shell. */
export interface HospitalsService {
  registry: HospitalRegistry;
  requests: AmbulanceRequests;
}

/**
 * Starts the hospitals domain: the registry (migration 003, seeded from
 * resources/hospitals.json or `hub.hospitalsFile`) and the ambulance request
 * flow, which offers a patient's request to the nearest accepting hospital
 * through the hub. Needs the hub: its events arrive there, its offers leave
 * there, and the hub's room rules ask it which patient is routed to which
 * hospital. Its settings stay under `hub` in the core's config.
 */
export async function startHospitals(ctx: CoreContext, deps: { hub: HubService }): Promise<HospitalsService> {
  const { hub } = deps.hub;
  const logger = ctx.logger.child({ domain: 'hospitals' });
  // Cluster mode: the registry and the requests in flight are the nodes' shared ones in PostgreSQL.
  const cluster = ctx.clusterState;
  const registry = await createHospitalRegistry(cluster?.db ?? ctx.database.db, hub.config.hospitalsFile, { announce: cluster && announceHospitalChange(cluster) });
  const shared = cluster && pgAmbulanceRequests(cluster.pg, cluster.listen);
  const requests = createAmbulanceRequests({
    hospitals: registry,
    hub,
    alerts: ctx.alerts,
    bus: ctx.bus,
    logger: logger.child({ flow: 'ambulance' }),
    responseTimeoutMs: hub.config.ambulanceResponseTimeoutSeconds * 1000,
    maxAttempts: hub.config.ambulanceMaxAttempts,
    store: shared?.store
  });
  if (cluster && shared) {
    const stopHospitals = await followHospitalChanges(cluster, registry);
    await shared.follow(requests);
    ctx.onClose(async () => {
      await stopHospitals();
      await shared.close();
    });
  }
  deps.hub.extend({
    handlers: createHospitalHandlers(registry, requests),
    accessFacts: { isPatientRoutedTo: (patientId, hospitalId) => requests.isPatientRoutedTo(patientId, hospitalId) }
  });
  registerHospitalRoutes(ctx, registry, requests);
  const stopConsole = registerHospitalConsole(ctx, registry, requests);
  ctx.onClose(() => {
    stopConsole();
    requests.close();
  });
  logger.info({ hospitals: registry.list().length }, 'hospitals registry started');
  return { registry, requests };
}
