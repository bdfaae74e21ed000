import { useEffect, useState } from 'react';
import { DispatchView } from '../features/dispatch/DispatchView';
import type { MapHandle } from '../features/map/DispatchMap';
import { useDispatch } from '../stores/dispatchStore';
import { toIncident } from '../stores/dispatchModel';
import { createFleet, createIncidents } from './synthetic';
import { driveFleet } from './driveFleet';
import type { createBenchApi } from './benchApi';

const params = new URLSearchParams(location.search);
const num = (name: string, fallback: number) => Number(params.get(name) ?? fallback);

/**
 * The combined dispatch screen (call lists, unit list, map) with ?units= units
 * each reporting once a second, call signs drawn beside every unit at every
 * zoom (?labels=always, the worst case), and a queue of ?incidents= open calls
 * whose timers tick: what a busy centre's dispatcher has on screen.
 */
export function DispatchBench({ makeApi }: { makeApi: typeof createBenchApi }) {
  const [ready, setReady] = useState(false);
  const [handle] = useState<{ current: MapHandle | null }>({ current: null });
  useEffect(() => {
    const fleet = createFleet(num('units', 2000));
    window.__bench = makeApi(() => handle.current);
    const stopFleet = driveFleet(fleet);
    useDispatch.getState().applyIncidents(createIncidents(num('incidents', 200)).map((i) => toIncident(i)));
    setReady(true);
    return stopFleet;
  }, [handle, makeApi]);
  if (!ready) return null;
  return (
    <div className="shell" style={{ position: 'fixed', inset: 0, display: 'flex' }}>
      <main className="content" data-view="dispatch" style={{ flex: 1 }}>
        <DispatchView
          mapLabels={params.get('labels') === 'auto' ? 'auto' : 'always'}
          onMapReady={(h) => {
            handle.current = h;
            window.__bench!.ready = true;
          }}
        />
      </main>
    </div>
  );
}
