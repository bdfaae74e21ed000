// Builds basemap.json: a MapLibre style for the simulator's city (CITY_AREA in
// src/shared/cityArea.ts) that needs no network at all: every source is inline
// GeoJSON, there are no glyphs or sprites (district names are HTML overlays the
// console draws from `metadata.switchboard.districts`).
// Run: node resources/map/generate-basemap.mjs
import fs from 'node:fs';
import path from 'node:path';

const bounds = { minLat: 47.49, maxLat: 47.74, minLon: -122.44, maxLon: -122.22 };
const ring = (pts) => [[...pts, pts[0]].map(([lat, lon]) => [lon, lat])];
const poly = (props, pts) => ({ type: 'Feature', properties: props, geometry: { type: 'Polygon', coordinates: ring(pts) } });
const line = (props, pts) => ({ type: 'Feature', properties: props, geometry: { type: 'LineString', coordinates: pts.map(([lat, lon]) => [lon, lat]) } });
const round = (n) => Math.round(n * 1e5) / 1e5;

const water = [
  poly({ name: 'Puget Sound' }, [[47.74, -122.38], [47.70, -122.40], [47.68, -122.41], [47.665, -122.415], [47.66, -122.43], [47.645, -122.425], [47.635, -122.405], [47.628, -122.385], [47.625, -122.37], [47.615, -122.355], [47.605, -122.345], [47.595, -122.342], [47.588, -122.36], [47.585, -122.385], [47.581, -122.41], [47.565, -122.405], [47.54, -122.397], [47.515, -122.392], [47.49, -122.385], [47.40, -122.38], [47.40, -122.75], [47.85, -122.75], [47.85, -122.40], [47.74, -122.38]]),
  poly({ name: 'Lake Washington' }, [[47.74, -122.28], [47.71, -122.272], [47.68, -122.262], [47.66, -122.275], [47.645, -122.278], [47.625, -122.283], [47.605, -122.287], [47.59, -122.285], [47.57, -122.275], [47.55, -122.262], [47.53, -122.258], [47.51, -122.25], [47.49, -122.24], [47.45, -122.235], [47.45, -122.205], [47.76, -122.225]]),
  poly({ name: 'Lake Union' }, [[47.647, -122.345], [47.649, -122.333], [47.643, -122.325], [47.633, -122.327], [47.626, -122.335], [47.628, -122.343], [47.638, -122.347]]),
  poly({ name: 'Green Lake' }, [[47.686, -122.341], [47.684, -122.333], [47.677, -122.33], [47.672, -122.335], [47.675, -122.343], [47.681, -122.345]]),
  poly({ name: 'Ship Canal' }, [[47.648, -122.345], [47.652, -122.36], [47.657, -122.38], [47.666, -122.398], [47.668, -122.41], [47.665, -122.411], [47.662, -122.398], [47.654, -122.38], [47.649, -122.36], [47.645, -122.346]]),
  poly({ name: 'Portage Bay' }, [[47.649, -122.325], [47.652, -122.31], [47.648, -122.3], [47.643, -122.305], [47.644, -122.322]]),
  poly({ name: 'Duwamish Waterway' }, [[47.59, -122.345], [47.56, -122.34], [47.53, -122.315], [47.50, -122.305], [47.50, -122.311], [47.53, -122.322], [47.56, -122.347], [47.588, -122.352]])
];
const mercer = poly({ name: 'Mercer Island' }, [[47.6, -122.245], [47.58, -122.24], [47.55, -122.235], [47.535, -122.225], [47.535, -122.22], [47.6, -122.22]]);

const parks = [
  poly({ name: 'Discovery Park' }, [[47.666, -122.425], [47.667, -122.4], [47.652, -122.398], [47.651, -122.42]]),
  poly({ name: 'Volunteer Park' }, [[47.634, -122.318], [47.634, -122.312], [47.627, -122.312], [47.627, -122.318]]),
  poly({ name: 'Washington Park Arboretum' }, [[47.648, -122.3], [47.645, -122.292], [47.625, -122.292], [47.625, -122.3]]),
  poly({ name: 'Seward Park' }, [[47.56, -122.258], [47.559, -122.248], [47.547, -122.248], [47.547, -122.259]]),
  poly({ name: 'Jefferson Park' }, [[47.573, -122.315], [47.573, -122.305], [47.562, -122.305], [47.562, -122.315]]),
  poly({ name: 'Woodland Park' }, [[47.672, -122.355], [47.672, -122.345], [47.664, -122.345], [47.664, -122.355]]),
  poly({ name: 'Magnuson Park' }, [[47.69, -122.262], [47.69, -122.25], [47.675, -122.25], [47.675, -122.262]]),
  poly({ name: 'Lincoln Park' }, [[47.537, -122.398], [47.537, -122.39], [47.525, -122.39], [47.525, -122.398]])
];

// Streets: a city grid (minor every ~0.004 deg, arterials every 0.02) plus the
// real freeways' rough lines. Water layers are drawn above the grid, which hides
// the streets under the lakes and the Sound without clipping geometry.
// The grid covers the whole area the map may show (its maxBounds in
// DispatchMap.tsx), not just the city: a call near the city's edge is centred
// on the map, and streets that stopped at the city limit left part of the view
// empty, as if the map did not fill its column.
const gridBounds = { minLat: 47.4, maxLat: 47.85, minLon: -122.75, maxLon: -121.95 };
const streets = [];
for (let lat = gridBounds.minLat; lat <= gridBounds.maxLat + 1e-9; lat += 0.004) {
  const arterial = Math.abs((lat * 1000) % 20) < 0.5;
  streets.push(line({ class: arterial ? 'arterial' : 'minor' }, [[round(lat), gridBounds.minLon], [round(lat), gridBounds.maxLon]]));
}
for (let lon = gridBounds.minLon; lon <= gridBounds.maxLon + 1e-9; lon += 0.006) {
  const arterial = Math.abs((lon * 1000) % 30) < 0.5;
  streets.push(line({ class: arterial ? 'arterial' : 'minor' }, [[gridBounds.minLat, round(lon)], [gridBounds.maxLat, round(lon)]]));
}
const highways = [
  line({ class: 'highway', name: 'I-5' }, [[47.74, -122.322], [47.69, -122.322], [47.655, -122.321], [47.635, -122.323], [47.615, -122.327], [47.6, -122.321], [47.58, -122.32], [47.555, -122.315], [47.53, -122.292], [47.49, -122.273]]),
  line({ class: 'highway', name: 'SR 99' }, [[47.74, -122.345], [47.67, -122.347], [47.65, -122.347], [47.62, -122.346], [47.605, -122.338], [47.59, -122.336], [47.56, -122.335], [47.52, -122.33], [47.49, -122.325]]),
  line({ class: 'highway', name: 'I-90' }, [[47.595, -122.322], [47.59, -122.3], [47.59, -122.22]]),
  line({ class: 'highway', name: 'SR 520' }, [[47.645, -122.322], [47.643, -122.3], [47.64, -122.28], [47.637, -122.22]]),
  line({ class: 'highway', name: 'West Seattle Bridge' }, [[47.59, -122.33], [47.571, -122.35], [47.568, -122.38]])
];

const districts = [
  ['Downtown', 47.607, -122.336], ['Capitol Hill', 47.623, -122.316], ['Ballard', 47.669, -122.385], ['Fremont', 47.652, -122.35],
  ['University District', 47.662, -122.312], ['Queen Anne', 47.637, -122.357], ['Magnolia', 47.648, -122.403], ['West Seattle', 47.566, -122.387],
  ['Beacon Hill', 47.567, -122.311], ['Rainier Valley', 47.548, -122.28], ['Northgate', 47.706, -122.325], ['Lake City', 47.719, -122.296],
  ['SoDo', 47.58, -122.333], ['Georgetown', 47.545, -122.323], ['Central District', 47.608, -122.3], ['Wallingford', 47.661, -122.334]
].map(([name, lat, lon]) => ({ name, lat, lon }));

const fc = (features) => ({ type: 'FeatureCollection', features });
const style = {
  version: 8,
  name: 'Switchboard offline city',
  metadata: { switchboard: { city: 'Seattle', bounds, districts, generatedBy: 'resources/map/generate-basemap.mjs' } },
  center: [-122.3321, 47.6062],
  zoom: 11.3,
  sources: {
    water: { type: 'geojson', data: fc([...water, mercer]) },
    parks: { type: 'geojson', data: fc(parks) },
    streets: { type: 'geojson', data: fc([...streets, ...highways]) }
  },
  layers: [
    { id: 'land', type: 'background', paint: { 'background-color': '#111a23' } },
    { id: 'parks', type: 'fill', source: 'parks', paint: { 'fill-color': '#14261d', 'fill-opacity': 0.9 } },
    { id: 'streets-minor', type: 'line', source: 'streets', filter: ['==', ['get', 'class'], 'minor'], minzoom: 11.5, paint: { 'line-color': '#1b2632', 'line-width': ['interpolate', ['linear'], ['zoom'], 11.5, 0.4, 16, 3] } },
    { id: 'streets-arterial', type: 'line', source: 'streets', filter: ['==', ['get', 'class'], 'arterial'], paint: { 'line-color': '#24323f', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.6, 16, 5] } },
    { id: 'water', type: 'fill', source: 'water', filter: ['!=', ['get', 'name'], 'Mercer Island'], paint: { 'fill-color': '#0a1d2c' } },
    { id: 'island', type: 'fill', source: 'water', filter: ['==', ['get', 'name'], 'Mercer Island'], paint: { 'fill-color': '#111a23' } },
    { id: 'highways', type: 'line', source: 'streets', filter: ['==', ['get', 'class'], 'highway'], paint: { 'line-color': '#384757', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1.2, 16, 8] } }
  ]
};

const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'basemap.json');
fs.writeFileSync(out, JSON.stringify(style) + '\n');
console.log(`wrote ${out} (${fs.statSync(out).size} bytes)`);
