import { useMemo } from 'react';
import { NotAvailable } from '../../components/NotAvailable';
import { Timer } from '../../components/Timer';
import { formatClock } from '../../lib/format';
import { UNIT_STATUSES } from '../../stores/dispatchModel';
import { closestAvailable, useDispatch } from '../../stores/dispatchStore';
import { useSession } from '../../stores/sessionStore';
import { UNIT_STATUS_COLORS, UNIT_STATUS_LABELS, priorityColor } from '../map/unitColors';
import { canDispatch } from '../shell/views';
import { AssignButtons } from './AssignButtons';
import { useThresholds } from './thresholds';

/** NEMSIS eTimes shown in the queue (all of them appear in the incident's details). */
const NEMSIS_LABELS: Array<[string, string]> = [
  ['call_received', 'Rcvd'],
  ['dispatched', 'Disp'],
  ['en_route', 'Enrt'],
  ['on_scene', 'Scene'],
  ['left_scene', 'Left'],
  ['at_destination', 'Dest']
];

function IncidentQueue() {
  const incidents = useDispatch((s) => s.incidents);
  const units = useDispatch((s) => s.units);
  const thresholds = useThresholds((s) => s.incidentAge);
  const role = useSession((s) => s.operator?.role);
  const sorted = useMemo(() => [...incidents.values()].sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt), [incidents]);
  return (
    <section className="panel" aria-label="Incident queue">
      <h2>
        Incident queue <small>{sorted.length}</small>
      </h2>
      {sorted.length === 0 ? <p className="muted">No open incidents.</p> : null}
      <table className="board" data-testid="incident-queue">
        <thead>
          <tr>
            <th>Pri</th>
            <th>Type</th>
            <th>Address</th>
            <th>Age</th>
            <th>Status</th>
            <th>Times</th>
            <th>Units / closest available</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((i) => (
            <tr key={i.id} data-incident={i.id} onClick={() => useDispatch.getState().select({ kind: 'incident', id: i.id })}>
              <td>
                <span className="priority" style={{ background: priorityColor(i.priority) }}>
                  P{i.priority}
                </span>
              </td>
              <td>{i.type}</td>
              <td>{i.address}</td>
              <td>
                <Timer since={i.createdAt} thresholds={thresholds} label="Time since the call was received" />
              </td>
              <td>{i.status.replace(/_/g, ' ')}</td>
              <td className="times">
                {NEMSIS_LABELS.map(([k, label]) => (
                  <span key={k} className={i.times[k] ? '' : 'muted'} title={k}>
                    {label} {i.times[k] ? formatClock(i.times[k]) : '—'}
                  </span>
                ))}
              </td>
              <td>
                {i.units.length ? <span className="assigned">{i.units.map((u) => units.get(u)?.callsign ?? u).join(', ')}</span> : null}
                {canDispatch(role) ? <AssignButtons incidentId={i.id} suggestions={closestAvailable(units.values(), i)} /> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function UnitBoard() {
  const units = useDispatch((s) => s.units);
  const thresholds = useThresholds((s) => s.unitInStatus);
  // Grouped by status in a fixed order, so a unit's row moves when its status does.
  const sorted = useMemo(
    () => [...units.values()].sort((a, b) => UNIT_STATUSES.indexOf(a.status) - UNIT_STATUSES.indexOf(b.status) || a.callsign.localeCompare(b.callsign)),
    [units]
  );
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const u of units.values()) c[u.status] = (c[u.status] ?? 0) + 1;
    return c;
  }, [units]);
  return (
    <section className="panel" aria-label="Unit status board">
      <h2>
        Units <small>{sorted.length}</small>
      </h2>
      <div className="unit-counts">
        {UNIT_STATUSES.filter((s) => counts[s]).map((s) => (
          <span key={s} className="status-pill" style={{ background: UNIT_STATUS_COLORS[s] }}>
            {UNIT_STATUS_LABELS[s]} {counts[s]}
          </span>
        ))}
      </div>
      <table className="board" data-testid="unit-board">
        <thead>
          <tr>
            <th>Unit</th>
            <th>Status</th>
            <th>In status</th>
            <th>Incident</th>
            <th>Last report</th>
          </tr>
        </thead>
        <tbody>
          {sorted.slice(0, 400).map((u) => (
            <tr key={u.id} data-unit={u.id} data-status={u.status}>
              <td>{u.callsign}</td>
              <td>
                <span className="status-pill" style={{ background: UNIT_STATUS_COLORS[u.status] }}>
                  {UNIT_STATUS_LABELS[u.status]}
                </span>
              </td>
              <td>
                <Timer since={u.statusSince} thresholds={thresholds} label="Time in this status" />
              </td>
              <td>{u.incidentId ?? '—'}</td>
              <td>{formatClock(new Date(u.updatedAt).toISOString())}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length > 400 ? <p className="muted">Showing the first 400 of {sorted.length} units; use the map for the rest.</p> : null}
    </section>
  );
}

function ThresholdSettings() {
  const { incidentAge, unitInStatus, set } = useThresholds();
  const field = (label: string, value: number, onChange: (v: number) => void) => (
    <label>
      {label}
      <input type="number" min={10} value={value} onChange={(e) => Number(e.target.value) > 0 && onChange(Number(e.target.value))} />
    </label>
  );
  return (
    <details className="settings">
      <summary>Timer thresholds (seconds)</summary>
      {field('Incident amber', incidentAge.warn, (warn) => set({ incidentAge: { ...incidentAge, warn } }))}
      {field('Incident red', incidentAge.alarm, (alarm) => set({ incidentAge: { ...incidentAge, alarm } }))}
      {field('Unit-in-status amber', unitInStatus.warn, (warn) => set({ unitInStatus: { ...unitInStatus, warn } }))}
      {field('Unit-in-status red', unitInStatus.alarm, (alarm) => set({ unitInStatus: { ...unitInStatus, alarm } }))}
    </details>
  );
}

export function BoardView() {
  const available = useDispatch((s) => s.available);
  const error = useDispatch((s) => s.error);
  return (
    <div className="boards">
      {!available ? <NotAvailable what="Live dispatch data" detail={error ?? undefined} /> : null}
      <IncidentQueue />
      <UnitBoard />
      <ThresholdSettings />
    </div>
  );
}
