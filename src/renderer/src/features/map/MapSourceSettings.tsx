import { useState } from 'react';
import { readMapSetting, writeMapSetting, type MapSourceSetting } from './mapStyle';

/** Admin: point this workstation's map at a tile server or a style, or back to the offline city. */
export function MapSourceSettings() {
  const [setting, setSetting] = useState<MapSourceSetting>(readMapSetting);
  const save = () => {
    writeMapSetting(setting);
    location.reload();
  };
  return (
    <div className="settings">
      <label>
        Source
        <select value={setting.kind} onChange={(e) => setSetting({ ...setting, kind: e.target.value as MapSourceSetting['kind'] })}>
          <option value="offline">Offline city (bundled)</option>
          <option value="raster">Raster tile server (XYZ template)</option>
          <option value="pmtiles">Raster PMTiles file</option>
          <option value="style">MapLibre style URL</option>
        </select>
      </label>
      {setting.kind !== 'offline' ? (
        <label>
          URL
          <input value={setting.url} placeholder={setting.kind === 'raster' ? '/tiles/{z}/{x}/{y}.png' : setting.kind === 'pmtiles' ? '/maps/city.pmtiles' : '/styles/city.json'} onChange={(e) => setSetting({ ...setting, url: e.target.value })} />
        </label>
      ) : null}
      <p className="muted">The console only loads map data from its own origin (strict CSP); serve tiles, the PMTiles file or the style from the same host.</p>
      <button type="button" onClick={save}>
        Save and reload
      </button>
    </div>
  );
}
