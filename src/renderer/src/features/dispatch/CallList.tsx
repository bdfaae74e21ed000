import { useMemo } from 'react';
import { Timer } from '../../components/Timer';
import { VirtualList } from '../../components/VirtualList';
import type { IncidentView, UnitView } from '../../stores/dispatchModel';
import { useDispatch } from '../../stores/dispatchStore';
import { incidentTimer, useThresholds } from '../boards/thresholds';
import { priorityColor } from '../map/unitColors';
import { INCIDENT_STATUS_SHORT, priorityGlyph } from './symbols';

export const CALL_ROW_HEIGHT = 28;

/** Pending calls wait for a unit: most urgent first, then oldest. Active ones are handled: most urgent, then longest in status. */
export function splitCalls(incidents: ReadonlyMap<string, IncidentView>) {
  const pending: IncidentView[] = [];
  const active: IncidentView[] = [];
  for (const i of incidents.values()) (i.status === 'pending' ? pending : active).push(i);
  pending.sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt);
  active.sort((a, b) => a.priority - b.priority || a.statusSince - b.statusSince);
  return { pending, active };
}

export const callsignsOf = (ids: readonly string[], units: ReadonlyMap<string, UnitView>) => ids.map((id) => units.get(id)?.callsign ?? id).join(', ');

function CallRow({ incident, index, style, selected, tabbable }: { incident: IncidentView; index: number; style: React.CSSProperties; selected: boolean; tabbable: boolean }) {
  const thresholds = useThresholds((s) => s.value);
  // Only the call signs of this incident's units: position reports elsewhere do not redraw the row.
  const unitNames = useDispatch((s) => callsignsOf(incident.units, s.units));
  const pending = incident.status === 'pending';
  return (
    <div
      role="row"
      tabIndex={tabbable ? 0 : -1}
      data-index={index}
      data-incident={incident.id}
      data-status={incident.status}
      aria-selected={selected}
      className={`call-row${selected ? ' call-row--selected' : ''}`}
      style={style}
      onClick={() => useDispatch.getState().select({ kind: 'incident', id: incident.id }, { center: true })}
      onFocus={() => !selected && useDispatch.getState().select({ kind: 'incident', id: incident.id }, { center: true })}
    >
      <span className="pri" style={{ background: priorityColor(incident.priority) }} title={`Priority ${incident.priority}`}>
        {priorityGlyph(incident.priority)} P{incident.priority}
      </span>
      <span className="call-row__id">{incident.id}</span>
      <span className="call-row__type">{incident.type}</span>
      <span className="call-row__addr">{incident.address}</span>
      {/* In the pending list every row is pending and has no unit: the address gets the room instead. */}
      {pending ? null : <span className="call-row__status">{INCIDENT_STATUS_SHORT[incident.status] ?? incident.status}</span>}
      <Timer since={incident.statusSince} thresholds={incidentTimer(thresholds, incident.priority, incident.status)} label={`Time in ${incident.status.replace(/_/g, ' ')}`} />
      {pending ? null : <span className="call-row__units">{unitNames || '—'}</span>}
    </div>
  );
}

/** One queue of the dispatch screen: pending calls (waiting for a unit) or active ones (handled). */
export function CallList({ kind, calls }: { kind: 'pending' | 'active'; calls: IncidentView[] }) {
  const selected = useDispatch((s) => (s.selected?.kind === 'incident' ? s.selected.id : null));
  const selectedIndex = useMemo(() => (selected ? calls.findIndex((c) => c.id === selected) : -1), [calls, selected]);
  const title = kind === 'pending' ? 'Pending calls' : 'Active calls';
  return (
    <section className={`calls calls--${kind}`} aria-label={title}>
      <h2>
        {title} <small data-testid={`${kind}-count`}>{calls.length}</small>
        {kind === 'pending' && calls.some((c) => c.priority === 1) ? <span className="calls__p1">P1 waiting</span> : null}
      </h2>
      {calls.length === 0 ? <p className="muted calls__empty">{kind === 'pending' ? 'No call waiting for a unit.' : 'No active calls.'}</p> : null}
      <VirtualList
        label={title}
        testId={`${kind}-calls`}
        count={calls.length}
        rowHeight={CALL_ROW_HEIGHT}
        activeIndex={selectedIndex >= 0 ? selectedIndex : null}
        onMove={(i) => calls[i] && useDispatch.getState().select({ kind: 'incident', id: calls[i].id }, { center: true })}
        renderRow={(i, style) => <CallRow key={calls[i]!.id} incident={calls[i]!} index={i} style={style} selected={i === selectedIndex} tabbable={selectedIndex >= 0 ? i === selectedIndex : i === 0} />}
      />
    </section>
  );
}
