import maplibregl, { type Map as MapLibreMap } from 'maplibre-gl';
import { memo, useEffect, useRef } from 'react';
import type { UnitView } from '../stores/dispatchModel';
import { useDispatch } from '../stores/dispatchStore';
import { UNIT_STATUS_COLORS } from '../features/map/unitColors';

/**
 * The naive baseline the map benchmark compares against: one React component
 * per unit, each owning a DOM marker that glides to every new report with its
 * own animation loop (the same smooth movement the console's overlay gives).
 */
const NaiveMarker = memo(function NaiveMarker({ map, unit }: { map: MapLibreMap; unit: UnitView }) {
  const marker = useRef<maplibregl.Marker | null>(null);
  const element = useRef<HTMLDivElement | null>(null);
  const shown = useRef<[number, number]>([unit.lon, unit.lat]);
  useEffect(() => {
    const el = document.createElement('div');
    el.className = 'naive-marker';
    element.current = el;
    marker.current = new maplibregl.Marker({ element: el }).setLngLat(shown.current).addTo(map);
    return () => {
      marker.current?.remove();
    };
  }, [map]);
  useEffect(() => {
    if (element.current) element.current.style.background = UNIT_STATUS_COLORS[unit.status];
    marker.current?.setRotation(unit.heading);
    const [fromLon, fromLat] = shown.current;
    const start = performance.now();
    let frame = 0;
    const step = (now: number) => {
      const t = Math.min(1, (now - start) / 1000);
      shown.current = [fromLon + (unit.lon - fromLon) * t, fromLat + (unit.lat - fromLat) * t];
      marker.current?.setLngLat(shown.current);
      if (t < 1) frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [unit]);
  return null;
});

export function NaiveMarkers({ map }: { map: MapLibreMap }) {
  const units = useDispatch((s) => s.units);
  return (
    <>
      {[...units.values()].map((u) => (
        <NaiveMarker key={u.id} map={map} unit={u} />
      ))}
    </>
  );
}
