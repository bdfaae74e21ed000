import { formatClock } from '../../lib/format';
import { useReplayRoom } from './replayStore';

/** What the map and boards do not show: open alerts with who acknowledged them, the connections, the CAD link. */
export function ReplayRoomPanel() {
  // One selector each: the room's moment changes every frame while playing, these rarely.
  const alerts = useReplayRoom((s) => s.alerts);
  const connections = useReplayRoom((s) => s.connections);
  const cadLink = useReplayRoom((s) => s.cadLink);
  const stale = connections.filter((c) => c.stale).length;
  return (
    <aside className="replay-room" aria-label="Alerts and connections at the replayed moment" data-testid="replay-room">
      <p className={`replay-room__cad replay-room__cad--${cadLink}`} data-testid="replay-cad-link">
        CAD link: <strong>{cadLink === 'up' ? 'up' : cadLink === 'down' ? 'DOWN' : 'unknown'}</strong>
      </p>
      <h3>Open alerts ({alerts.length})</h3>
      <ul className="replay-room__alerts" data-testid="replay-alerts">
        {alerts.map((a) => (
          <li key={a.id} className={`replay-alert replay-alert--${a.severity}`} data-alert-id={a.id}>
            <strong>{a.title}</strong> <small>{a.severity}</small>
            <div className="muted">
              raised {formatClock(a.raised_at)}
              {a.acknowledged_by ? ` · acknowledged by ${a.acknowledged_by} at ${formatClock(a.acknowledged_at)}` : ' · not acknowledged'}
              {a.escalated ? ' · escalated' : ''}
            </div>
          </li>
        ))}
      </ul>
      <h3>
        Connections ({connections.length} connected, {stale} stale)
      </h3>
      <ul className="replay-room__connections" data-testid="replay-connections">
        {connections.map((c) => (
          <li key={c.socket_id} className={c.stale ? 'replay-conn--stale' : undefined}>
            {c.user_id ?? c.socket_id} <small>{c.role}{c.unit_id ? ` · ${c.unit_id}` : ''}</small> {c.stale ? <strong>stale</strong> : null}
          </li>
        ))}
      </ul>
    </aside>
  );
}
