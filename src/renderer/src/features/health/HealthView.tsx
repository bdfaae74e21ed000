import { useEffect, useState } from 'react';
import { Sparkline } from '../../components/Chart';
import { NotAvailable } from '../../components/NotAvailable';
import { useNow } from '../../components/useNow';
import { formatAge, formatBytes, formatClock, formatNumber } from '../../lib/format';
import { useHealth } from '../../stores/healthStore';
import { valueOf } from '../../stores/remote';
import { useSession } from '../../stores/sessionStore';
import { isAdmin } from '../shell/views';
import { ClusterPanel } from './ClusterPanel';

function Counts({ title, counts }: { title: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return (
    <div className="counts">
      <h3>{title}</h3>
      {entries.length === 0 ? <p className="muted">none</p> : null}
      <ul>
        {entries.slice(0, 12).map(([k, n]) => (
          <li key={k}>
            <span>{k}</span>
            <b>{n}</b>
          </li>
        ))}
      </ul>
    </div>
  );
}

function BridgePanel() {
  const bridge = useHealth((s) => s.bridge);
  const reconnect = useHealth((s) => s.reconnectBridge);
  const message = useHealth((s) => s.reconnectMessage);
  const role = useSession((s) => s.operator?.role);
  const health = valueOf(bridge);
  if (bridge.state === 'unavailable') return <NotAvailable what="CAD bridge health" detail={bridge.message} />;
  const configured = !!health?.bridge.cad_url;
  return (
    <section className="panel" aria-label="CAD bridge">
      <h2>
        CAD link <span className={`link-state link-state--${configured ? health.status : 'unknown'}`}>{configured ? health.status : health ? 'not configured' : '…'}</span>
      </h2>
      {health ? (
        <dl className="kv">
          <dt>CAD</dt>
          <dd>{health.bridge.cad_url ?? 'not configured'}</dd>
          <dt>Connected since</dt>
          <dd>{formatClock(health.bridge.last_connection)}</dd>
          <dt>Attempts</dt>
          <dd>{health.bridge.connection_attempts}</dd>
          <dt>Last event</dt>
          <dd>{formatClock(health.bridge.last_event_at)}</dd>
          <dt>Outbox</dt>
          <dd>
            {health.bridge.outbox.pending} pending · {health.bridge.outbox.rejected} rejected
          </dd>
          <dt>Resyncing</dt>
          <dd>{health.bridge.resyncing ? 'yes' : 'no'}</dd>
          {health.bridge.last_error ? (
            <>
              <dt>Last error</dt>
              <dd className={configured ? 'bad-text' : 'muted'}>{health.bridge.last_error}</dd>
            </>
          ) : null}
        </dl>
      ) : null}
      {isAdmin(role) ? (
        <>
          <button type="button" onClick={() => void reconnect()}>
            Reconnect CAD link
          </button>
          <CadSettings current={health?.bridge.cad_url ?? ''} />
        </>
      ) : null}
      {message ? <p className="muted">{message}</p> : null}
    </section>
  );
}

/** Admin: point the bridge at a CAD. The token is write-only: it is sent, never shown or kept here. */
function CadSettings({ current }: { current: string }) {
  const configure = useHealth((s) => s.configureBridge);
  const [url, setUrl] = useState(current);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <details className="settings">
      <summary>CAD connection (admin)</summary>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const failed = await configure(url.trim(), token);
          setError(failed);
          if (!failed) setToken('');
        }}
        className="settings"
      >
        <label>
          CAD URL
          <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://cad.example:9000" />
        </label>
        <label>
          Token (leave empty to keep the current one)
          <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
        </label>
        <button type="submit" disabled={!url.trim()}>
          Save and reconnect
        </button>
        {error ? <p className="bad-text">{error}</p> : null}
      </form>
    </details>
  );
}

export function HealthView() {
  const { hubStats, throughput, connections, connectionQuery, loadConnections, logStats, writeRates } = useHealth();
  const now = useNow();
  const [search, setSearch] = useState(connectionQuery.search);
  useEffect(() => {
    void loadConnections();
    void useHealth.getState().loadCluster();
    const refresh = setInterval(() => {
      void useHealth.getState().loadConnections();
      void useHealth.getState().loadCluster();
    }, 5_000);
    return () => clearInterval(refresh);
  }, [loadConnections]);
  const stats = valueOf(hubStats);
  const list = valueOf(connections);
  return (
    <section className="health-view" aria-label="Connection health">
      <div className="health-grid">
        <section className="panel" aria-label="Hub">
          <h2>Hub</h2>
          {hubStats.state === 'unavailable' ? <NotAvailable what="Hub statistics" detail={hubStats.message} /> : null}
          <div className="figures">
            <div className="figure" data-testid="hub-connections">
              <span className="figure__value">{formatNumber(stats?.connections)}</span>
              <span className="figure__label">connections</span>
            </div>
            <div className="figure">
              <span className="figure__value">{formatNumber(stats?.events_in_per_sec, 1)}</span>
              <span className="figure__label">events in /s</span>
            </div>
            <div className="figure">
              <span className="figure__value">{formatNumber(stats?.rooms)}</span>
              <span className="figure__label">rooms</span>
            </div>
          </div>
          <Sparkline values={throughput} width={260} height={40} label="events in per second" />
        </section>
        <BridgePanel />
        <ClusterPanel />
        <section className="panel" aria-label="Database">
          <h2>Socket log database</h2>
          {logStats ? (
            <>
              <dl className="kv">
                <dt>Size</dt>
                <dd>{formatBytes(logStats.dbSizeBytes)}</dd>
                <dt>WAL</dt>
                <dd>{formatBytes(logStats.walSizeBytes)}</dd>
                <dt>Rows</dt>
                <dd>{formatNumber(logStats.totalRows)}</dd>
                <dt>Write rate</dt>
                <dd>{formatNumber(logStats.writeRate, 1)} rows/s</dd>
                <dt>Queue</dt>
                <dd>{formatNumber(logStats.queueDepth)}</dd>
              </dl>
              <Sparkline values={writeRates} width={260} height={40} color="#3fb950" label="log writes per second" />
            </>
          ) : (
            <p className="muted">Waiting for the log's statistics…</p>
          )}
        </section>
      </div>
      {connections.state === 'unavailable' ? <NotAvailable what="Hub connections" detail={connections.message} /> : null}
      {list ? (
        <div className="health-grid">
          <Counts title="By transport" counts={list.by_transport} />
          <Counts title="By role" counts={list.by_role} />
          <Counts title="By room" counts={list.by_room} />
        </div>
      ) : null}
      <section className="panel" aria-label="Connections">
        <h2>
          Connections <small>{list ? `${list.connections.length} of ${list.total}` : ''}</small>
        </h2>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            void loadConnections({ search });
          }}
        >
          <input type="search" placeholder="Search user, role, room or id" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Search connections" />
          <label className="toggle">
            <input type="checkbox" checked={connectionQuery.staleOnly} onChange={(e) => void loadConnections({ staleOnly: e.target.checked })} /> Stale only
          </label>
          <button type="submit">Search</button>
        </form>
        <table className="board" data-testid="connections">
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>Transport</th>
              {list?.by_node ? <th>Node</th> : null}
              <th>Rooms</th>
              <th>Connected</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {(list?.connections ?? []).slice(0, 500).map((c) => (
              <tr key={c.id} className={c.stale ? 'row--stale' : ''}>
                <td>
                  {c.user} {c.stale ? <span className="stale-tag">STALE</span> : null}
                </td>
                <td>{c.role}</td>
                <td>{c.transport}</td>
                {list?.by_node ? <td>{c.node ?? ''}</td> : null}
                <td className="rooms">{c.rooms.join(', ')}</td>
                <td>{formatClock(c.connected_at)}</td>
                <td>{formatAge(now - Date.parse(c.last_seen))} ago</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  );
}
