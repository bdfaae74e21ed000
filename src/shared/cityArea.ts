/**
 * The city the simulator, the demo devices, the hospitals seed and the offline
 * basemap all use (a box around Seattle, WA). Coordinates are WGS84 degrees.
 */
export const CITY_AREA = {
  name: 'Seattle',
  center: { lat: 47.6062, lon: -122.3321 },
  bounds: { minLat: 47.49, maxLat: 47.74, minLon: -122.44, maxLon: -122.22 }
} as const;
