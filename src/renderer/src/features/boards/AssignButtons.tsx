import { useEffect } from 'react';
import { useDispatch } from '../../stores/dispatchStore';
import { useRunCards } from './runCards';

const MATCH_LABEL = { preferred: 'run card', acceptable: 'alt. type', not_on_card: 'not on card' } as const;

/**
 * The core's suggestions for an incident (its run card's unit types first, then
 * the nearest), each a one-click assignment sent to the CAD. Fetched again when
 * the incident, the number of available units or the run cards change.
 */
export function AssignButtons({ incidentId, label = 'Assign' }: { incidentId: string; label?: string }) {
  const pending = useDispatch((s) => s.pendingAssignments[incidentId]);
  const suggestions = useDispatch((s) => s.suggestions[incidentId]);
  const assign = useDispatch((s) => s.assign);
  const availableCount = useDispatch((s) => {
    let n = 0;
    for (const u of s.units.values()) if (u.cad && u.status === 'available') n += 1;
    return n;
  });
  // A supervisor's new run cards re-rank the units at once.
  const cardsChangedAt = useRunCards((s) => s.value.updated_at);
  useEffect(() => {
    void useDispatch.getState().loadSuggestions(incidentId);
  }, [incidentId, availableCount, cardsChangedAt]);
  if (!suggestions) return <span className="muted">Finding units…</span>;
  if (suggestions.error) return <span className="bad-text">{suggestions.error}</span>;
  if (!suggestions.units.length) return <span className="muted">No available units</span>;
  return (
    <div className="assign" data-testid={`assign-${incidentId}`}>
      <span className="assign__label">{label}</span>
      {suggestions.units.map(({ unit, distance_km, run_card }) => (
        <button
          key={unit.id}
          type="button"
          className={`assign__btn assign__btn--${run_card}`}
          disabled={!!pending && !pending.error}
          onClick={() => void assign(incidentId, unit.id)}
          title={`Assign ${unit.call_sign} (${unit.unit_type ?? 'type not given'}, ${MATCH_LABEL[run_card]}, ${distance_km.toFixed(1)} km)`}
          data-unit={unit.id}
        >
          {unit.call_sign} · {unit.unit_type ?? '?'} · {distance_km.toFixed(1)} km
        </button>
      ))}
      {pending ? <span className={pending.error ? 'bad-text' : 'muted'}>{pending.error ?? 'Sent to CAD, awaiting confirmation…'}</span> : null}
    </div>
  );
}
