import type { UnitView } from '../../stores/dispatchModel';
import { useDispatch } from '../../stores/dispatchStore';

/** Closest available units for an incident, each a one-click assignment sent to the CAD. */
export function AssignButtons({ incidentId, suggestions }: { incidentId: string; suggestions: Array<{ unit: UnitView; km: number }> }) {
  const pending = useDispatch((s) => s.pendingAssignments[incidentId]);
  const assign = useDispatch((s) => s.assign);
  if (!suggestions.length) return <span className="muted">No available units</span>;
  return (
    <div className="assign" data-testid={`assign-${incidentId}`}>
      {suggestions.map(({ unit, km }) => (
        <button
          key={unit.id}
          type="button"
          className="assign__btn"
          disabled={!!pending && !pending.error}
          onClick={() => void assign(incidentId, unit.id)}
          title={`Assign ${unit.callsign} (${km.toFixed(1)} km)`}
          data-unit={unit.id}
        >
          {unit.callsign} · {km.toFixed(1)} km
        </button>
      ))}
      {pending ? <span className={pending.error ? 'bad-text' : 'muted'}>{pending.error ?? 'Sent to CAD, awaiting confirmation…'}</span> : null}
    </div>
  );
}
