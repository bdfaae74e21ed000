import type { FeatureCollection, Point } from 'geojson';
import { hasPosition, type HospitalView, type RequestView } from '../../stores/dispatchModel';

/** GeoJSON for the few-and-slow layers (hospitals, requests and patients; incidents have their own canvas, incidentOverlay.ts). */
const point = (lon: number, lat: number): Point => ({ type: 'Point', coordinates: [lon, lat] });

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
