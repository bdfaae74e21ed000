import { sql } from 'kysely';
import type { HospitalRegistry } from '../hospitals/hospitals';
import type { ClusterState } from './clusterState';
import { listenToChannel } from './pgListen';

const CHANNEL = 'switchboard_hospitals';

/** Cluster mode: tells the other nodes that a hospital changed here (they re-read the registry). */
export function announceHospitalChange(state: ClusterState): (id: string) => void {
  return (id) => {
    sql`SELECT pg_notify(${CHANNEL}, ${JSON.stringify({ node: state.node, id })})`
      .execute(state.db)
      .catch((err: unknown) => state.listen.logger.warn({ err }, 'could not tell the other nodes a hospital changed'));
  };
}

/** Cluster mode: re-reads the registry when another node changed a hospital (and after each LISTEN reconnect). */
export async function followHospitalChanges(state: ClusterState, registry: HospitalRegistry): Promise<() => Promise<void>> {
  const listener = await listenToChannel({
    ...state.listen,
    channel: CHANNEL,
    applicationName: `switchboard ${state.node} hospitals`,
    onNews(payload) {
      if (payload.includes(JSON.stringify(state.node))) return;
      registry.reload().catch((err: unknown) => state.listen.logger.warn({ err }, 'could not re-read the hospitals another node changed'));
    }
  });
  return () => listener.close();
}
