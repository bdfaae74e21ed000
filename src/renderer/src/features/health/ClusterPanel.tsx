import { NotAvailable } from '../../components/NotAvailable';
import { formatClock, formatNumber } from '../../lib/format';
import { useHealth } from '../../stores/healthStore';
import { valueOf } from '../../stores/remote';

const STATUS_TITLE = { up: 'Heartbeating', late: 'Missed 3 heartbeats', down: 'Missed 10 heartbeats', stopped: 'Stopped cleanly' } as const;

/**
 * Cluster mode: every node with its health (heartbeat on the database clock)
 * and the hub connections it holds, the node serving this console marked. On a
 * single node it says so, so an operator never wonders where the others went.
 */
export function ClusterPanel() {
  const cluster = useHealth((s) => s.cluster);
  const answer = valueOf(cluster);
  if (cluster.state === 'unavailable') return <NotAvailable what="Cluster nodes" detail={cluster.message} />;
  return (
    <section className="panel" aria-label="Cluster nodes">
      <h2>
        Nodes <small>{answer ? (answer.mode === 'cluster' ? `${answer.nodes.filter((n) => n.status === 'up').length} of ${answer.nodes.length} up` : 'single node') : ''}</small>
      </h2>
      {answer?.mode === 'single' ? <p className="muted">This centre runs on one node (embedded SQLite); cluster mode lists its nodes here.</p> : null}
      {answer?.mode === 'cluster' ? (
        <table className="board cluster-nodes" data-testid="cluster-nodes">
          <thead>
            <tr>
              <th>Node</th>
              <th>Status</th>
              <th>Conns</th>
              <th>Beat</th>
            </tr>
          </thead>
          <tbody>
            {answer.nodes.map((n) => (
              <tr key={n.name} className={n.status === 'up' ? '' : 'row--stale'} title={`Started ${formatClock(n.started_at)}`}>
                <td>
                  {n.name} {n.name === answer.node ? <span className="muted">(you)</span> : null}
                </td>
                <td>
                  <span title={STATUS_TITLE[n.status]} className={`link-state link-state--${n.status === 'up' ? 'healthy' : n.status === 'late' ? 'degraded' : 'disconnected'}`}>
                    {n.status}
                  </span>
                </td>
                <td>{formatNumber(n.connections)}</td>
                <td>{formatNumber(n.heartbeat_age_seconds, 1)} s</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
