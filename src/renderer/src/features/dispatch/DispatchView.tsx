import { useMemo, useState } from 'react';
import { NotAvailable } from '../../components/NotAvailable';
import { useDispatch } from '../../stores/dispatchStore';
import { DetailsPanel } from '../map/DetailsPanel';
import { DispatchMap, type MapHandle } from '../map/DispatchMap';
import { MapLegend } from '../map/MapLegend';
import { CallList, splitCalls } from './CallList';
import { CommandLine } from './CommandLine';
import { NewCallForm } from './NewCallForm';
import { SHORTCUTS } from './shortcuts';
import { UnitList } from './UnitList';

/**
 * The screen a dispatcher works a shift on: pending calls (waiting for a unit)
 * and active calls apart, the units, and the map, side by side. Selecting a
 * call or unit in a list centres and highlights it on the map; its details,
 * with the core's suggested units, sit over the map's corner.
 */
export function DispatchView({ mapLabels = 'auto', onMapReady }: { mapLabels?: 'auto' | 'always'; onMapReady?(handle: MapHandle): void }) {
  const available = useDispatch((s) => s.available);
  const error = useDispatch((s) => s.error);
  const incidents = useDispatch((s) => s.incidents);
  const hasSelection = useDispatch((s) => s.selected !== null);
  const { pending, active } = useMemo(() => splitCalls(incidents), [incidents]);
  const [newCall, setNewCall] = useState(false);
  return (
    <section className="dispatch" aria-label="Dispatch" data-testid="dispatch-view">
      <div className="dispatch__lists">
        <div className="dispatch__bar">
          <CommandLine />
          <button type="button" className="dispatch__new" onClick={() => setNewCall(!newCall)} aria-expanded={newCall}>
            New call
          </button>
        </div>
        {newCall ? <NewCallForm onDone={() => setNewCall(false)} /> : null}
        <p className="dispatch__keys muted">
          {SHORTCUTS.map(([key, what]) => (
            <span key={key}>
              <kbd>{key}</kbd> {what}
            </span>
          ))}
          <span>
            <kbd>↑↓</kbd> rows
          </span>
        </p>
        {!available ? <NotAvailable what="Live dispatch data" detail={error ?? undefined} /> : null}
        <CallList kind="pending" calls={pending} />
        <CallList kind="active" calls={active} />
        <UnitList />
      </div>
      <div className="dispatch__map">
        <DispatchMap labels={mapLabels} onReady={onMapReady} />
        <div className="dispatch__overlay">
          {hasSelection ? <DetailsPanel /> : null}
          <MapLegend compact />
        </div>
      </div>
    </section>
  );
}
