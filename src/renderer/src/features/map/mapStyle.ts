import type { StyleSpecification } from 'maplibre-gl';
import basemap from '../../../../../resources/map/basemap.json';

/**
 * The map works offline by default: the bundled style has inline GeoJSON only.
 * An admin may point a workstation at a tile server (raster XYZ template) or a
 * full style URL; both must be reachable under the page's CSP (same origin).
 */
export interface MapSourceSetting {
  kind: 'offline' | 'raster' | 'style';
  url: string;
}

const KEY = 'switchboard.map.source';

export function readMapSetting(): MapSourceSetting {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null') as MapSourceSetting | null;
    if (raw && (raw.kind === 'raster' || raw.kind === 'style') && typeof raw.url === 'string' && raw.url) return raw;
  } catch {
    // A garbled setting falls back to the offline map.
  }
  return { kind: 'offline', url: '' };
}

export function writeMapSetting(setting: MapSourceSetting): void {
  localStorage.setItem(KEY, JSON.stringify(setting));
}

export interface District {
  name: string;
  lat: number;
  lon: number;
}

export const DISTRICTS: District[] = (basemap as { metadata: { switchboard: { districts: District[] } } }).metadata.switchboard.districts;

export function mapStyle(setting: MapSourceSetting = readMapSetting()): StyleSpecification | string {
  if (setting.kind === 'style') return setting.url;
  const style = structuredClone(basemap) as unknown as StyleSpecification;
  if (setting.kind === 'raster') {
    style.sources.tiles = { type: 'raster', tiles: [setting.url], tileSize: 256 };
    style.layers.splice(1, 0, { id: 'tiles', type: 'raster', source: 'tiles' });
  }
  return style;
}
