import { Timer } from '../../components/Timer';
import { formatClock, formatDateTime } from '../../lib/format';
import { liveDispatch, useDispatch } from '../../stores/dispatchStore';
import { useScopedStore } from '../../stores/dispatchScope';
import { useSession } from '../../stores/sessionStore';
import { AssignButtons } from '../boards/AssignButtons';
import { incidentTimer, unitTimer, useThresholds } from '../boards/thresholds';
import { callsignsOf } from '../dispatch/CallList';
import { IncidentActions } from '../dispatch/IncidentActions';
import { UnitStatusSetter } from '../dispatch/UnitStatusSetter';
import { canDispatch } from '../shell/views';
import { RequestIncidentLink } from './RequestIncidentLink';
import { UNIT_STATUS_COLORS, UNIT_STATUS_LABELS, priorityColor } from './unitColors';

/** What the dispatcher clicked on the map. */
export function DetailsPanel() {
  const selected = useDispatch((s) => s.selected);
  const units = useDispatch((s) => s.units);
  const incidents = useDispatch((s) => s.incidents);
  const hospitals = useDispatch((s) => s.hospitals);
  const requests = useDispatch((s) => s.requests);
  const followUnitId = useDispatch((s) => s.followUnitId);
  const { follow, select } = useScopedStore(liveDispatch).getState();
  const thresholds = useThresholds((s) => s.value);
  const role = useSession((s) => s.operator?.role);
  if (!selected) return <aside className="details details--empty">Click a unit, incident or hospital for details.</aside>;

  const close = (
    <button type="button" className="details__close" onClick={() => select(null)} aria-label="Close details">
      ×
    </button>
  );
  if (selected.kind === 'unit') {
    const unit = units.get(selected.id);
    if (!unit) return <aside className="details">{close}Unit {selected.id} is no longer reported.</aside>;
    return (
      <aside className="details" data-testid="details">
        {close}
        <h2>{unit.callsign}</h2>
        <p>
          <span className="status-pill" style={{ background: UNIT_STATUS_COLORS[unit.status] }}>
            {UNIT_STATUS_LABELS[unit.status]}
          </span>{' '}
          for <Timer since={unit.statusSince} thresholds={unitTimer(thresholds, unit.status)} />
        </p>
        <dl>
          <dt>Type</dt>
          <dd>{unit.cad ? (unit.unitType ?? 'not given by the CAD') : 'crew seen by the hub only (not a CAD unit)'}</dd>
          <dt>Heading</dt>
          <dd>{Math.round(unit.heading)}°</dd>
          <dt>Position</dt>
          <dd>
            {unit.lat.toFixed(5)}, {unit.lon.toFixed(5)}
          </dd>
          <dt>Last report</dt>
          <dd>{formatClock(new Date(unit.updatedAt).toISOString())}</dd>
          <dt>Incident</dt>
          <dd>{unit.incidentId ?? '—'}</dd>
        </dl>
        <button type="button" onClick={() => follow(followUnitId === unit.id ? null : unit.id)}>
          {followUnitId === unit.id ? 'Stop following' : 'Follow unit'}
        </button>
        {canDispatch(role) ? <UnitStatusSetter unit={unit} /> : null}
      </aside>
    );
  }
  if (selected.kind === 'incident') {
    const incident = incidents.get(selected.id);
    if (!incident) return <aside className="details">{close}Incident closed.</aside>;
    return (
      <aside className="details" data-testid="details">
        {close}
        <h2>
          <span className="priority" style={{ background: priorityColor(incident.priority) }}>
            P{incident.priority}
          </span>{' '}
          {incident.type}
        </h2>
        <p>{incident.address}</p>
        <p>
          {incident.status.replace(/_/g, ' ')} for <Timer since={incident.statusSince} thresholds={incidentTimer(thresholds, incident.priority, incident.status)} /> · call age{' '}
          <Timer since={incident.createdAt} thresholds={{ warn: Infinity, alarm: Infinity }} />
        </p>
        <p data-testid="details-units">
          <strong>Units:</strong> {incident.units.length ? callsignsOf(incident.units, units) : 'none assigned'}
        </p>
        <dl className="details__times">
          {Object.entries(incident.times).map(([k, v]) => (
            <div key={k}>
              <dt>{k.replace(/_at$/, '').replace(/_/g, ' ')}</dt>
              <dd>{formatDateTime(v)}</dd>
            </div>
          ))}
        </dl>
        {canDispatch(role) ? <AssignButtons incidentId={incident.id} label={incident.status === 'pending' ? 'Assign' : 'Send another'} /> : null}
        <IncidentActions incident={incident} canAct={canDispatch(role)} />
      </aside>
    );
  }
  if (selected.kind === 'hospital') {
    const h = hospitals.get(selected.id);
    return (
      <aside className="details" data-testid="details">
        {close}
        <h2>{h?.name ?? selected.id}</h2>
        <p className={h?.accepting ? 'ok-text' : 'bad-text'}>{h?.accepting ? 'Accepting patients' : 'Not accepting (diversion)'}</p>
      </aside>
    );
  }
  const r = requests.get(selected.id);
  return (
    <aside className="details" data-testid="details">
      {close}
      <h2>Ambulance request</h2>
      <dl>
        <dt>Patient</dt>
        <dd>{r?.patientId ?? '—'}</dd>
        <dt>Status</dt>
        <dd>{r?.status ?? 'closed'}</dd>
        <dt>Hospital</dt>
        <dd>{r?.hospitalName ?? '—'}</dd>
        <dt>Hospitals offered</dt>
        <dd>{r?.attempts ?? 0}</dd>
      </dl>
      {r && canDispatch(role) ? <RequestIncidentLink request={r} incidents={incidents} /> : null}
    </aside>
  );
}
