import { useState } from 'react';
import { useDispatch } from '../../stores/dispatchStore';
import { useSession } from '../../stores/sessionStore';
import { NotAvailable } from '../../components/NotAvailable';
import { isAdmin } from '../shell/views';
import { DetailsPanel } from './DetailsPanel';
import { DispatchMap } from './DispatchMap';
import { MapSourceSettings } from './MapSourceSettings';
import { MapLegend } from './MapLegend';

export function MapView() {
  const available = useDispatch((s) => s.available);
  const error = useDispatch((s) => s.error);
  const unitCount = useDispatch((s) => s.units.size);
  const incidentCount = useDispatch((s) => s.incidents.size);
  const role = useSession((s) => s.operator?.role);
  const [settings, setSettings] = useState(false);
  return (
    <section className="map-view" aria-label="Dispatch map">
      <DispatchMap />
      <div className="map-view__side">
        <div className="legend__counts" data-testid="map-counts">
          <span data-testid="unit-count">{unitCount}</span> units · {incidentCount} incidents
        </div>
        <MapLegend />
        {!available ? <NotAvailable what="Live dispatch data" detail={error ?? undefined} /> : null}
        <DetailsPanel />
        {isAdmin(role) ? (
          <button type="button" className="link" onClick={() => setSettings(!settings)}>
            Map source (admin)
          </button>
        ) : null}
        {settings ? <MapSourceSettings /> : null}
      </div>
    </section>
  );
}
