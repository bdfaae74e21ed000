import maplibregl, { type GeoJSONSource, type Map as MapLibreMap } from 'maplibre-gl';
import { Protocol as PmtilesProtocol } from 'pmtiles';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useEffect, useRef, useState } from 'react';
import { liveDispatch, type useDispatch } from '../../stores/dispatchStore';
import { useScopedStore } from '../../stores/dispatchScope';
import { hospitalsGeoJson, requestsGeoJson } from './overlays';
import { IncidentOverlay } from './incidentOverlay';
import { DISTRICTS, mapStyle } from './mapStyle';
import { UnitOverlay } from './unitOverlay';
import { addMapIcons } from './mapIcons';
import { EdgeIndicators, type Rect } from './edgeIndicators';

// PMTiles archives are read through MapLibre's protocol hook (pmtiles://URL), once per page.
maplibregl.addProtocol('pmtiles', new PmtilesProtocol().tile);

export interface MapHandle {
  map: MapLibreMap;
  units: UnitOverlay | null;
}

interface DispatchMapProps {
  /** 'layer': every unit on one overlay canvas (the console); 'none': no units (the naive benchmark adds its own). */
  units?: 'layer' | 'none';
  /** Initial zoom (the whole city by default). */
  zoom?: number;
  /** Call signs beside units: when zoomed in ('auto'), or at every zoom (the benchmark's worst case). */
  labels?: 'auto' | 'always';
  onReady?(handle: MapHandle): void;
}

const OVERLAY_LAYERS = ['hospitals', 'requests', 'patients'];

export function DispatchMap({ units = 'layer', zoom = 11.3, labels: unitLabels = 'auto', onReady }: DispatchMapProps) {
  const container = useRef<HTMLDivElement>(null);
  const labels = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  // The live picture, or a replayed one inside a replay scope.
  const store = useScopedStore(liveDispatch);

  useEffect(() => {
    if (!container.current) return;
    let map: MapLibreMap;
    performance.mark('switchboard:map-created');
    try {
      map = new maplibregl.Map({
        container: container.current,
        style: mapStyle(),
        center: [-122.3321, 47.6062],
        zoom,
        attributionControl: false,
        fadeDuration: 0,
        // The offline basemap covers the city and its surroundings; do not wander off it.
        maxBounds: [
          [-122.75, 47.4],
          [-121.95, 47.85]
        ],
        // Dispatchers read the map top-down; the unit overlay relies on it.
        pitchWithRotate: false,
        maxPitch: 0
      });
    } catch (err) {
      setFailed((err as Error).message);
      return;
    }
    map.addControl(new maplibregl.NavigationControl({ showCompass: true }), 'top-right');
    // Created first: its canvas lies under the units'.
    const incidentLayer = new IncidentOverlay(map);
    const unitLayer = units === 'layer' ? new UnitOverlay(map, { labels: unitLabels }) : null;
    const edges = new EdgeIndicators(map, (id) => store.getState().select({ kind: 'incident', id }, { center: true }), () => coveringPanels(map.getContainer()));
    let unsubscribe: (() => void) | null = null;

    const placeLabels = () => {
      const el = labels.current;
      if (!el) return;
      const children = el.children;
      DISTRICTS.forEach((d, i) => {
        const p = map.project([d.lon, d.lat]);
        (children[i] as HTMLElement | undefined)?.style.setProperty('transform', `translate(${Math.round(p.x)}px, ${Math.round(p.y)}px) translate(-50%, -50%)`);
      });
    };
    map.on('move', placeLabels);

    // A list or the command line picked something: bring it to the middle, closer in if the map is zoomed out.
    const centreOn = (selected: NonNullable<ReturnType<typeof useDispatch.getState>['selected']>) => {
      const s = store.getState();
      const item = selected.kind === 'unit' ? s.units.get(selected.id) : selected.kind === 'incident' ? s.incidents.get(selected.id) : selected.kind === 'hospital' ? s.hospitals.get(selected.id) : s.requests.get(selected.id);
      if (!item || !Number.isFinite(item.lat) || !Number.isFinite(item.lon)) return;
      // On the dispatch screen the details sit over the map's left side: centre in the part still visible.
      const covered = map.getContainer().closest('.dispatch__map') ? 340 : 0;
      map.easeTo({ center: [item.lon, item.lat], zoom: Math.max(map.getZoom(), 12.5), duration: 400, padding: { left: covered, top: 0, right: 0, bottom: 0 } });
    };

    map.on('load', () => {
      map.addSource('hospitals', { type: 'geojson', data: hospitalsGeoJson([]) });
      map.addSource('requests', { type: 'geojson', data: requestsGeoJson([]) });
      addMapIcons(map);
      map.addLayer({ id: 'hospitals', type: 'symbol', source: 'hospitals', layout: { 'icon-image': ['case', ['get', 'accepting'], 'hospital', 'hospital-diverting'], 'icon-allow-overlap': true, 'icon-size': 0.9 } });
      map.addLayer({ id: 'patients', type: 'circle', source: 'requests', filter: ['!=', ['get', 'status'], 'pending'], paint: { 'circle-radius': 4, 'circle-color': '#db61a2', 'circle-opacity': 0.7 } });
      map.addLayer({ id: 'requests', type: 'circle', source: 'requests', filter: ['==', ['get', 'status'], 'pending'], paint: { 'circle-radius': 11, 'circle-color': 'rgba(219, 97, 162, 0.25)', 'circle-stroke-color': '#db61a2', 'circle-stroke-width': 3 } });

      let seen = { incidents: null as unknown, hospitals: null as unknown, requests: null as unknown, units: null as unknown, selected: null as unknown, center: 0 };
      const apply = () => {
        const s = store.getState();
        if (unitLayer && s.units !== seen.units) unitLayer.sync(s.units, seen.units === null ? null : s.changedUnits);
        if (s.incidents !== seen.incidents) {
          incidentLayer.setIncidents(s.incidents.values());
          edges.setIncidents(s.incidents.values());
        }
        if (s.hospitals !== seen.hospitals) (map.getSource('hospitals') as GeoJSONSource).setData(hospitalsGeoJson(s.hospitals.values()));
        if (s.requests !== seen.requests) (map.getSource('requests') as GeoJSONSource).setData(requestsGeoJson(s.requests.values()));
        incidentLayer.setSelected(s.selected?.kind === 'incident' ? s.selected.id : null);
        if (s.centerRequest !== seen.center && s.selected) centreOn(s.selected);
        seen = { incidents: s.incidents, hospitals: s.hospitals, requests: s.requests, units: s.units, selected: s.selected, center: s.centerRequest };
        unitLayer?.setSelected(s.selected?.kind === 'unit' ? s.selected.id : null);
        unitLayer?.setFollow(s.followUnitId);
      };
      apply();
      unsubscribe = store.subscribe(apply);
      placeLabels();
      container.current?.setAttribute('data-map-ready', '1');
      performance.mark('switchboard:map-interactive');
      onReady?.({ map, units: unitLayer });
    });

    map.on('click', (e) => {
      const select = store.getState().select;
      const unitId = unitLayer?.hitTest(e.point);
      if (unitId) return select({ kind: 'unit', id: unitId });
      const incidentId = incidentLayer.hitTest(e.point);
      if (incidentId) return select({ kind: 'incident', id: incidentId });
      const hit = map.queryRenderedFeatures(e.point, { layers: OVERLAY_LAYERS.filter((l) => map.getLayer(l)) })[0];
      if (hit) {
        const kind = hit.layer.id === 'hospitals' ? 'hospital' : 'request';
        return select({ kind, id: String(hit.properties?.id) });
      }
      select(null);
    });
    // A dispatcher dragging the map stops following.
    map.on('dragstart', () => store.getState().follow(null));
    map.on('error', (e) => console.warn('map:', e.error?.message));

    return () => {
      unsubscribe?.();
      edges.remove();
      unitLayer?.remove();
      incidentLayer.remove();
      map.remove();
    };
    // The map is created once; its props are fixed for its lifetime.
  }, [store]);

  if (failed) return <div className="map-failed">The map cannot start here: {failed}</div>;
  return (
    <div className="dispatch-map">
      <div ref={container} className="dispatch-map__canvas" data-testid="dispatch-map" />
      <div ref={labels} className="dispatch-map__labels" aria-hidden>
        {DISTRICTS.map((d) => (
          <span key={d.name}>{d.name}</span>
        ))}
      </div>
    </div>
  );
}

/** The panels drawn over the map on the dispatch screen (details, legend), in the map container's coordinates. */
function coveringPanels(container: HTMLElement): Rect[] {
  const overlay = container.closest('.dispatch__map')?.querySelector('.dispatch__overlay');
  if (!overlay) return [];
  const origin = container.getBoundingClientRect();
  return [...overlay.children].map((panel) => {
    const r = panel.getBoundingClientRect();
    return { x: r.left - origin.left, y: r.top - origin.top, width: r.width, height: r.height };
  });
}
