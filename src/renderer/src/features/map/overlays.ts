import type { FeatureCollection, Point } from 'geojson';
import { hasPosition, type HospitalView, type IncidentView, type RequestView } from '../../stores/dispatchModel';

/** GeoJSON for the few-and-slow layers (incidents, hospitals, requests and patients). */
const point = (lon: number, lat: number): Point => ({ type: 'Point', coordinates: [lon, lat] });

export function incidentsGeoJson(incidents: Iterable<IncidentView>): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: [...incidents].filter(hasPosition).map((i) => ({ type: 'Feature', geometry: point(i.lon, i.lat), properties: { id: i.id, priority: drawnPriority(i) } }))
  };
}

const drawnPriority = (i: IncidentView) => Math.min(4, Math.max(1, Math.round(i.priority)));

/**
 * Whether two sets of incidents draw the same incident layer (the same ids, places and priorities).
 * Status and assignment changes leave the layer as it is, and setting its data again would re-tile
 * it and redraw the whole map for nothing.
 */
export function sameIncidentFeatures(before: ReadonlyMap<string, IncidentView>, after: ReadonlyMap<string, IncidentView>): boolean {
  if (before.size !== after.size) return false;
  for (const [id, incident] of after) {
    const was = before.get(id);
    if (!was || !Object.is(was.lat, incident.lat) || !Object.is(was.lon, incident.lon) || drawnPriority(was) !== drawnPriority(incident)) return false;
  }
  return true;
}

export function hospitalsGeoJson(hospitals: Iterable<HospitalView>): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: [...hospitals].filter(hasPosition).map((h) => ({ type: 'Feature', geometry: point(h.lon, h.lat), properties: { id: h.id, accepting: h.accepting } }))
  };
}

/** Pending requests draw as rings (someone is waiting); settled ones as the patient's location. */
export function requestsGeoJson(requests: Iterable<RequestView>): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: [...requests].filter(hasPosition).map((r) => ({ type: 'Feature', geometry: point(r.lon, r.lat), properties: { id: r.id, status: r.status, patient: r.patientId } }))
  };
}
