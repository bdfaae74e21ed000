import type { Location } from '../../../shared/cad';

const rad = (deg: number) => (deg * Math.PI) / 180;

/** Initial bearing from a to b, degrees clockwise from north in [0, 360). */
export function bearingDeg(a: Location, b: Location): number {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}
