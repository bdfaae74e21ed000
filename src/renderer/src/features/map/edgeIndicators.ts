import type { Map as MapLibreMap } from 'maplibre-gl';
import type { IncidentView } from '../../stores/dispatchModel';

/** At most this many arrows: beyond that the pending list says more than the map edge can. */
const MAX_ARROWS = 6;
/** Space kept between an arrow and the map's edge, and between two arrows (CSS px). */
const MARGIN = 6;
/** How far an arrow slides along its edge between two tries (CSS px). */
const SLIDE_STEP = 8;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const clampTo = (v: number, half: number, mid: number) => Math.min(mid + half, Math.max(mid - half, v));
/** Offsets to try along an edge, nearest first: 0, +step, -step, +2 steps... within `span`. */
const slide = (span: number) => Array.from({ length: 2 * Math.ceil(span / SLIDE_STEP) + 1 }, (_, i) => (i % 2 === 0 ? 1 : -1) * Math.ceil(i / 2) * SLIDE_STEP);
/** Offsets from a corner along the neighbouring edge: 0, step, 2 steps... up to `length`. */
const fromCorner = (length: number) => Array.from({ length: Math.floor(length / SLIDE_STEP) + 1 }, (_, i) => i * SLIDE_STEP);

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * Where each arrow goes: on the edge where the line from the view's centre to
 * its incident leaves the view, slid along that edge (nearest free place first)
 * until it covers neither an arrow already placed nor anything drawn over the
 * map (`covered`, the details panel and the legend). An arrow with no free place
 * is left out (null) rather than drawn over another. `toward` is the incident's
 * offset from the centre; sizes are the arrows' own, measured.
 */
export function placeArrows(view: { width: number; height: number }, arrows: ReadonlyArray<{ toward: { dx: number; dy: number }; width: number; height: number }>, covered: readonly Rect[] = []): Array<Rect | null> {
  const placed: Rect[] = [];
  const { width: w, height: h } = view;
  return arrows.map(({ toward: { dx, dy }, width, height }) => {
    const halfW = w / 2 - width / 2 - MARGIN;
    const halfH = h / 2 - height / 2 - MARGIN;
    if (halfW <= 0 || halfH <= 0) return null;
    const sx = halfW / Math.abs(dx || 1e-9);
    const sy = halfH / Math.abs(dy || 1e-9);
    const cx = w / 2 + dx * Math.min(sx, sy);
    const cy = h / 2 + dy * Math.min(sx, sy);
    // On the top or bottom edge arrows slide sideways; on the left or right edge, up and down.
    // An edge that is full spills onto the neighbouring edge, from the corner the call is nearer.
    const alongX = sy <= sx;
    const side = (v: number) => (v < 0 ? -1 : 1);
    const candidates: Array<[number, number]> = [
      ...slide(2 * (alongX ? halfW : halfH)).map((o): [number, number] => (alongX ? [clampTo(cx + o, halfW, w / 2), cy] : [cx, clampTo(cy + o, halfH, h / 2)])),
      ...fromCorner(2 * (alongX ? halfH : halfW)).map((o): [number, number] =>
        alongX ? [w / 2 + side(dx) * halfW, h / 2 + side(dy) * (halfH - o)] : [w / 2 + side(dx) * (halfW - o), h / 2 + side(dy) * halfH]
      )
    ];
    for (const [x, y] of candidates) {
      const rect = { x: x - width / 2, y: y - height / 2, width, height };
      const margin = { x: rect.x - MARGIN / 2, y: rect.y - MARGIN / 2, width: width + MARGIN, height: height + MARGIN };
      if (placed.some((p) => overlaps(margin, p)) || covered.some((c) => overlaps(rect, c))) continue;
      placed.push(rect);
      return rect;
    }
    return null;
  });
}

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
    private readonly onPick: (incidentId: string) => void,
    /** What is drawn over the map (in the map container's coordinates): arrows keep clear of it. */
    private readonly covered: () => Rect[] = () => []
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
    const centre = this.map.getCenter();
    const arrows: Array<{ element: HTMLElement; toward: { dx: number; dy: number } }> = [];
    for (const incident of this.incidents) {
      if (arrows.length >= MAX_ARROWS) break;
      const p = this.map.project([incident.lon, incident.lat]);
      if (p.x >= 0 && p.x <= w && p.y >= 0 && p.y <= h) continue;
      const toward = { dx: p.x - w / 2, dy: p.y - h / 2 };
      const km = centre.distanceTo({ lng: incident.lon, lat: incident.lat } as never) / 1000;
      arrows.push({ element: this.arrow(incident, (Math.atan2(toward.dy, toward.dx) * 180) / Math.PI, km), toward });
    }
    this.layer.replaceChildren(...arrows.map((a) => a.element));
    // Place by each arrow's real size: the label's width depends on the id and the distance.
    const places = placeArrows(
      { width: w, height: h },
      arrows.map((a) => ({ toward: a.toward, width: a.element.offsetWidth, height: a.element.offsetHeight })),
      this.covered()
    );
    arrows.forEach(({ element }, i) => {
      const place = places[i];
      if (place) element.style.transform = `translate(${Math.round(place.x)}px, ${Math.round(place.y)}px)`;
      else element.remove();
    });
  };

  private arrow(incident: IncidentView, angle: number, km: number): HTMLElement {
    const arrow = document.createElement('button');
    arrow.type = 'button';
    arrow.className = 'edge-indicator';
    arrow.dataset.incident = incident.id;
    arrow.title = `P1 ${incident.type} at ${incident.address}, ${km.toFixed(1)} km`;
    const head = document.createElement('span');
    head.className = 'edge-indicator__arrow';
    head.style.transform = `rotate(${angle}deg)`;
    head.textContent = '➜';
    const text = document.createElement('span');
    text.textContent = `▲ P1 ${incident.id} · ${km.toFixed(1)} km`;
    arrow.append(head, text);
    arrow.addEventListener('click', () => this.onPick(incident.id));
    return arrow;
  }
}
