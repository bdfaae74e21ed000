import { describe, expect, it } from 'vitest';
import type { StyleSpecification } from 'maplibre-gl';
import { mapStyle } from '../../../src/renderer/src/features/map/mapStyle';

describe('the map source an admin chooses', () => {
  it('is the bundled offline city by default, with no source outside the bundle', () => {
    const style = mapStyle({ kind: 'offline', url: '' }) as StyleSpecification;
    const urls = JSON.stringify(style.sources).match(/https?:\/\//g);
    expect(urls).toBeNull();
    expect(style.sources.tiles).toBeUndefined();
  });

  it('layers a raster tile server or a raster PMTiles file under the overlays', () => {
    const xyz = mapStyle({ kind: 'raster', url: '/tiles/{z}/{x}/{y}.png' }) as StyleSpecification;
    expect(xyz.sources.tiles).toEqual({ type: 'raster', tiles: ['/tiles/{z}/{x}/{y}.png'], tileSize: 256 });
    const pm = mapStyle({ kind: 'pmtiles', url: '/maps/city.pmtiles' }) as StyleSpecification;
    expect(pm.sources.tiles).toEqual({ type: 'raster', url: 'pmtiles:///maps/city.pmtiles', tileSize: 256 });
    expect(pm.layers[1]).toEqual({ id: 'tiles', type: 'raster', source: 'tiles' });
  });

  it('hands a full style URL to MapLibre as is', () => {
    expect(mapStyle({ kind: 'style', url: '/styles/city.json' })).toBe('/styles/city.json');
  });
});
