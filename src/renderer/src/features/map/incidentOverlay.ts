import maplibregl, { type Map as MapLibreMap } from 'maplibre-gl';
import { hasPosition, type IncidentView } from '../../stores/dispatchModel';
import { incidentIcon } from './mapIcons';
import { MapCanvasOverlay } from './mapCanvasOverlay';
import { mercatorToScreen } from './mapProjection';

/**
 * The open incidents, on their own canvas over the map (under the units'
 * canvas). Incidents change far more often than the basemap, in a busy centre
 * and far more in a replay played at 60x. As a map layer, every change re-tiled
 * the layer in MapLibre's worker and redrew the whole map several times
 * (in a software-rendered window, the frame's whole budget); here a change
 * repaints a few hundred small images. Shapes by priority as the legend shows
 * them, the most urgent on top, the selected one in a white ring.
 */

interface Placed {
  id: string;
  /** Mercator (0..1). */
  x: number;
  y: number;
  priority: number;
}

/** Icon sizes by priority, as the map layer drew them (P1 largest). */
const ICON_SCALE: Record<number, number> = { 1: 1.1, 2: 0.95, 3: 0.8, 4: 0.8 };
const RING_RADIUS = 17;

export class IncidentOverlay extends MapCanvasOverlay {
  /** Drawn in this order: least urgent first, so the most urgent end up on top. */
  private incidents: Placed[] = [];
  private selectedId: string | null = null;
  private icons: { ratio: number; byPriority: Map<number, HTMLCanvasElement> } | null = null;

  constructor(map: MapLibreMap) {
    super(map, 'incident-overlay');
    this.resize();
  }

  setIncidents(incidents: Iterable<IncidentView>) {
    this.incidents = [...incidents].filter(hasPosition).map((i) => {
      const m = maplibregl.MercatorCoordinate.fromLngLat([i.lon, i.lat]);
      return { id: i.id, x: m.x, y: m.y, priority: Math.min(4, Math.max(1, Math.round(i.priority))) };
    });
    this.incidents.sort((a, b) => b.priority - a.priority);
    this.schedule();
  }

  setSelected(id: string | null) {
    if (id === this.selectedId) return;
    this.selectedId = id;
    this.schedule();
  }

  /** The topmost incident drawn under a screen point (CSS pixels), within `radius`. */
  hitTest(point: { x: number; y: number }, radius = 12): string | null {
    const toScreen = mercatorToScreen(this.map);
    for (let i = this.incidents.length - 1; i >= 0; i -= 1) {
      const incident = this.incidents[i]!;
      const [x, y] = toScreen(incident.x, incident.y);
      if ((x - point.x) ** 2 + (y - point.y) ** 2 <= radius * radius) return incident.id;
    }
    return null;
  }



  private iconsFor(ratio: number) {
    if (this.icons?.ratio !== ratio) this.icons = { ratio, byPriority: new Map([1, 2, 3, 4].map((p) => [p, incidentIcon(p, ICON_SCALE[p]! * ratio)])) };
    return this.icons.byPriority;
  }

  protected override readonly draw = () => {
    // No incidents: no layer for the compositor to blend over the map on every frame the units move.
    const empty = !this.incidents.length;
    if (this.canvas.hidden !== empty) this.canvas.hidden = empty;
    if (empty) return;
    const ratio = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const toScreen = mercatorToScreen(this.map);
    const icons = this.iconsFor(ratio);
    const selected = this.incidents.find((i) => i.id === this.selectedId);
    if (selected) {
      const [x, y] = toScreen(selected.x, selected.y);
      ctx.beginPath();
      ctx.arc(x * ratio, y * ratio, RING_RADIUS * ratio, 0, Math.PI * 2);
      ctx.fillStyle = 'rgba(255, 255, 255, 0.12)';
      ctx.fill();
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 3 * ratio;
      ctx.stroke();
    }
    for (const incident of this.incidents) {
      const icon = icons.get(incident.priority)!;
      const [x, y] = toScreen(incident.x, incident.y);
      const px = Math.round(x * ratio - icon.width / 2);
      const py = Math.round(y * ratio - icon.height / 2);
      if (px < -icon.width || py < -icon.height || px > this.canvas.width || py > this.canvas.height) continue;
      ctx.drawImage(icon, px, py);
    }
  };
}
