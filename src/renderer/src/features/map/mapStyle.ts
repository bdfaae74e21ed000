import type { StyleSpecification } from 'maplibre-gl';
import basemap from '../../../../../resources/map/basemap.json';

/**
 * The map works offline by default: the bundled style has inline GeoJSON only.
 * An admin may point a workstation at a tile server (raster XYZ template), a
 * raster PMTiles archive (one file, read with HTTP range requests) or a full
 * style URL; each must be reachable under the page's CSP (same origin).
 */
export interface MapSourceSetting {
  kind: 'offline' | 'raster' | 'pmtiles' | 'style';
  url: string;
}

const KEY = 'switchboard.map.source';

export function readMapSetting(): MapSourceSetting {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null') as MapSourceSetting | null;
    if (raw && ['raster', 'pmtiles', 'style'].includes(raw.kind) && typeof raw.url === 'string' && raw.url) return raw;
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
  if (setting.kind === 'raster' || setting.kind === 'pmtiles') {
    style.sources.tiles =
      setting.kind === 'raster'
        ? { type: 'raster', tiles: [setting.url], tileSize: 256 }
        : { type: 'raster', url: `pmtiles://${setting.url}`, tileSize: 256 };
    style.layers.splice(1, 0, { id: 'tiles', type: 'raster', source: 'tiles' });
  }
  return style;
}
