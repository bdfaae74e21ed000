/**
 * The one great-circle distance of the code base, for the core (nearest
 * hospital, suggested units, the CAD simulator) and the console alike, so a
 * distance the console shows is the distance the core decided on.
 */

/** The IUGG mean Earth radius. */
export const EARTH_MEAN_RADIUS_KM = 6371.0088;

const RAD = Math.PI / 180;

/** Haversine distance in km between two points given in degrees; plenty for a city's worth of units. */
export function haversineKm(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const dLat = (bLat - aLat) * RAD;
  const dLon = (bLon - aLon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * RAD) * Math.cos(bLat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_MEAN_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Distance in km between two `{lat, lon}` points (the CAD's and the console's shape). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  return haversineKm(a.lat, a.lon, b.lat, b.lon);
}
