import maplibregl, { type Map as MapLibreMap } from 'maplibre-gl';

/**
 * Mercator (0..1) -> CSS pixels for the map's current camera, from three
 * projected points. The map is never pitched, so the projection is affine and
 * the canvas overlays place thousands of points without projecting each.
 */
export function mercatorToScreen(map: MapLibreMap): (x: number, y: number) => [number, number] {
  const o = maplibregl.MercatorCoordinate.fromLngLat(map.getCenter());
  const d = 1e-4;
  const p0 = map.project(new maplibregl.MercatorCoordinate(o.x, o.y).toLngLat());
  const px = map.project(new maplibregl.MercatorCoordinate(o.x + d, o.y).toLngLat());
  const py = map.project(new maplibregl.MercatorCoordinate(o.x, o.y + d).toLngLat());
  const a = (px.x - p0.x) / d;
  const b = (py.x - p0.x) / d;
  const c = (px.y - p0.y) / d;
  const e = (py.y - p0.y) / d;
  return (x, y) => [p0.x + a * (x - o.x) + b * (y - o.y), p0.y + c * (x - o.x) + e * (y - o.y)];
}
