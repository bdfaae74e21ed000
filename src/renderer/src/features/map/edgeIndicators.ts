import type { Map as MapLibreMap } from 'maplibre-gl';
import type { IncidentView } from '../../stores/dispatchModel';

/** At most this many arrows: beyond that the pending list says more than the map edge can. */
const MAX_ARROWS = 6;
const INSET = 22;
/** Room one arrow takes (CSS px), for keeping arrows apart. */
const ARROW_WIDTH = 180;
const ARROW_HEIGHT = 26;

/**
 * An arrow on the map's edge for every open P1 incident outside the view,
 * pointing at it with its id and distance, so zooming in on one call never
 * hides another that cannot wait. Clicking an arrow shows that incident.
 */
export class EdgeIndicators {
  private readonly layer: HTMLDivElement;
  private incidents: IncidentView[] = [];

  constructor(
    private readonly map: MapLibreMap,
    private readonly onPick: (incidentId: string) => void
  ) {
    this.layer = document.createElement('div');
    this.layer.className = 'edge-indicators';
    this.layer.setAttribute('data-testid', 'edge-indicators');
    map.getContainer().appendChild(this.layer);
    map.on('move', this.update);
    map.on('resize', this.update);
  }

  setIncidents(incidents: Iterable<IncidentView>) {
    this.incidents = [...incidents].filter((i) => i.priority <= 1 && Number.isFinite(i.lat) && Number.isFinite(i.lon));
    this.update();
  }

  remove() {
    this.map.off('move', this.update);
    this.map.off('resize', this.update);
    this.layer.remove();
  }

  private readonly update = () => {
    const container = this.map.getContainer();
    const w = container.clientWidth;
    const h = container.clientHeight;
    const cx = w / 2;
    const cy = h / 2;
    const center = this.map.getCenter();
    const arrows: HTMLElement[] = [];
    const placed: Array<[number, number]> = [];
    for (const incident of this.incidents) {
      if (arrows.length >= MAX_ARROWS) break;
      const p = this.map.project([incident.lon, incident.lat]);
      if (p.x >= 0 && p.x <= w && p.y >= 0 && p.y <= h) continue;
      // Where the line from the centre to the incident leaves the view, pulled in a little.
      const dx = p.x - cx;
      const dy = p.y - cy;
      const scale = Math.min((w / 2 - INSET) / Math.abs(dx || 1e-9), (h / 2 - INSET) / Math.abs(dy || 1e-9));
      let x = cx + dx * scale;
      let y = cy + dy * scale;
      // Two calls in the same direction: slide the later arrow along the edge instead of covering the first.
      const onTopOrBottom = Math.abs(Math.abs(y - cy) - (h / 2 - INSET)) < 1;
      for (let tries = 0; tries < MAX_ARROWS && placed.some(([px, py]) => Math.abs(px - x) < ARROW_WIDTH && Math.abs(py - y) < ARROW_HEIGHT); tries += 1) {
        if (onTopOrBottom) x = x + ARROW_WIDTH > w - INSET ? x - 2 * ARROW_WIDTH : x + ARROW_WIDTH;
        else y = y + ARROW_HEIGHT > h - INSET ? y - 2 * ARROW_HEIGHT : y + ARROW_HEIGHT;
      }
      placed.push([x, y]);
      const angle = (Math.atan2(dy, dx) * 180) / Math.PI;
      const km = center.distanceTo({ lng: incident.lon, lat: incident.lat } as never) / 1000;
      const arrow = document.createElement('button');
      arrow.type = 'button';
      arrow.className = 'edge-indicator';
      arrow.dataset.incident = incident.id;
      arrow.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px) translate(-50%, -50%)`;
      arrow.title = `P1 ${incident.type} at ${incident.address}, ${km.toFixed(1)} km`;
      const head = document.createElement('span');
      head.className = 'edge-indicator__arrow';
      head.style.transform = `rotate(${angle}deg)`;
      head.textContent = '➜';
      const text = document.createElement('span');
      text.textContent = `▲ P1 ${incident.id} · ${km.toFixed(1)} km`;
      arrow.append(head, text);
      arrow.addEventListener('click', () => this.onPick(incident.id));
      arrows.push(arrow);
    }
    this.layer.replaceChildren(...arrows);
  };
}
