import maplibregl, { type Map as MapLibreMap } from 'maplibre-gl';
import type { UnitView } from '../../stores/dispatchModel';
import { MapCanvasOverlay } from './mapCanvasOverlay';
import { mercatorToScreen } from './mapProjection';
import { UNIT_STATUS_COLORS } from './unitColors';
import { LABEL_MIN_ZOOM, LabelCache, TRAIL_MIN_ZOOM, extendTrail } from './unitDecorations';

/**
 * Every unit on the map, drawn on one canvas laid over the map. Units move
 * every second while the map itself rarely changes, so the map is not redrawn
 * for them (a full map redraw per animation frame costs far more, and in a
 * software-rendered window it is the difference between 2 and 60 frames/s);
 * units glide between reports by interpolation, and are batched into one fill
 * per status colour. The map is never pitched, so mercator -> screen is affine
 * and three projected points per frame place all 2,000 units.
 */

interface Track {
  /** Where it was last drawn, in CSS pixels (NaN: never drawn). */
  drawnX: number;
  drawnY: number;
  fromX: number;
  fromY: number;
  toX: number;
  toY: number;
  start: number;
  duration: number;
  heading: number;
  color: string;
  label: string;
  /** Earlier reported positions (mercator), oldest first. */
  trail: Array<[number, number]>;
}

const MAX_TWEEN_MS = 1000;
/** A redraw only happens once some unit has moved this far on screen (CSS px; sprites snap to whole pixels). */
const MIN_VISIBLE_MOVE_PX = 0.5;
const HEADINGS = 24;
const HEADING_STEP = 360 / HEADINGS;

export class UnitOverlay extends MapCanvasOverlay {
  private readonly tracks = new Map<string, Track>();
  private selectedId: string | null = null;
  private followId: string | null = null;
  /** Something other than motion changed (reports, selection, camera, size): draw next frame. */
  private dirty = true;
  private cameraKey = '';
  /** Frames drawn; read by the benchmark. */
  frames = 0;
  private readonly labels = new LabelCache();

  /** `labels: 'always'` draws call signs at every zoom (the benchmark's worst case); 'auto' only when zoomed in. */
  constructor(
    map: MapLibreMap,
    private readonly options: { labels: 'auto' | 'always' } = { labels: 'auto' }
  ) {
    super(map, 'unit-overlay');
    this.resize();
  }

  /** Applies new unit reports; each moving unit glides from where it is drawn now. */
  sync(units: ReadonlyMap<string, UnitView>, changed: readonly string[] | null) {
    const now = performance.now();
    for (const id of changed ?? [...units.keys()]) {
      const unit = units.get(id);
      if (!unit || !Number.isFinite(unit.lat) || !Number.isFinite(unit.lon)) {
        if (this.tracks.delete(id)) this.dirty = true;
        continue;
      }
      const target = maplibregl.MercatorCoordinate.fromLngLat([unit.lon, unit.lat]);
      const color = UNIT_STATUS_COLORS[unit.status];
      const track = this.tracks.get(id);
      if (!track) {
        this.tracks.set(id, { drawnX: Number.NaN, drawnY: Number.NaN, fromX: target.x, fromY: target.y, toX: target.x, toY: target.y, start: now, duration: 0, heading: unit.heading, color, label: unit.callsign, trail: [] });
        this.dirty = true;
        continue;
      }
      if (track.color !== color || track.heading !== unit.heading) this.dirty = true;
      const [x, y] = positionAt(track, now);
      const duration = Math.min(MAX_TWEEN_MS, Math.max(100, now - track.start));
      if (target.x !== track.toX || target.y !== track.toY) extendTrail(track.trail, track.toX, track.toY);
      track.label = unit.callsign;
      Object.assign(track, { fromX: x, fromY: y, toX: target.x, toY: target.y, start: now, duration, heading: unit.heading, color });
    }
    this.schedule();
  }

  setSelected(id: string | null) {
    if (id === this.selectedId) return;
    this.selectedId = id;
    this.dirty = true;
    this.schedule();
  }

  setFollow(id: string | null) {
    if (id === this.followId) return;
    this.followId = id;
    this.schedule();
  }

  /** Where a unit is drawn right now (for follow and details). */
  currentLngLat(id: string): maplibregl.LngLat | null {
    const track = this.tracks.get(id);
    if (!track) return null;
    const [x, y] = positionAt(track, performance.now());
    return new maplibregl.MercatorCoordinate(x, y).toLngLat();
  }

  /** The unit drawn under a screen point (CSS pixels), within `radius`. */
  hitTest(point: { x: number; y: number }, radius = 14): string | null {
    const toScreen = this.affine();
    const now = performance.now();
    let best: string | null = null;
    let bestD = radius * radius;
    for (const [id, track] of this.tracks) {
      const [mx, my] = positionAt(track, now);
      const [sx, sy] = toScreen(mx, my);
      const d = (sx - point.x) ** 2 + (sy - point.y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = id;
      }
    }
    return best;
  }

  protected override resized() {
    this.dirty = true;
  }


  private affine(): (x: number, y: number) => [number, number] {
    return mercatorToScreen(this.map);
  }

  protected override readonly draw = () => {
    const now = performance.now();
    if (this.followId) {
      const at = this.currentLngLat(this.followId);
      if (at && !this.map.isMoving()) this.map.setCenter(at);
    }
    const toScreen = this.affine();
    const camera = `${this.map.getCenter().toString()}|${this.map.getZoom()}|${this.map.getBearing()}`;
    if (camera !== this.cameraKey) {
      this.cameraKey = camera;
      this.dirty = true;
    }
    // Place every unit; draw only if one of them moved visibly (sub-pixel glides
    // at city zoom would otherwise repaint and recomposite the screen for nothing).
    let moving = false;
    let visibleChange = this.dirty;
    const placed: Array<[Track, number, number, string]> = [];
    for (const [id, track] of this.tracks) {
      if (track.duration > 0 && now - track.start < track.duration) moving = true;
      const [mx, my] = positionAt(track, now);
      const [x, y] = toScreen(mx, my);
      placed.push([track, x, y, id]);
      if (!visibleChange && (Math.abs(x - track.drawnX) >= MIN_VISIBLE_MOVE_PX || Math.abs(y - track.drawnY) >= MIN_VISIBLE_MOVE_PX)) visibleChange = true;
    }
    if (visibleChange) this.paint(placed);
    // Exposed for tests and tooling that must wait for the picture to come to rest.
    const gliding = moving ? '1' : '0';
    if (this.canvas.dataset.gliding !== gliding) this.canvas.dataset.gliding = gliding;
    if (moving || this.followId) this.schedule();
  };

  private paint(placed: Array<[Track, number, number, string]>) {
    this.dirty = false;
    const ratio = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const r = Math.round(Math.max(5, Math.min(11, this.map.getZoom() - 4)) * ratio);
    const atlas = this.atlasFor(r);
    const bearing = this.map.getBearing();
    const width = this.canvas.width;
    const height = this.canvas.height;
    const half = atlas.size / 2;
    let selected: [number, number] | null = null;
    const zoom = this.map.getZoom();
    if (zoom >= TRAIL_MIN_ZOOM) this.paintTrails(placed, ratio);
    const labelled: Array<[string, number, number]> = [];
    const withLabels = this.options.labels === 'always' || zoom >= LABEL_MIN_ZOOM;
    for (const [track, x, y, id] of placed) {
      track.drawnX = x;
      track.drawnY = y;
      const px = Math.round(x * ratio);
      const py = Math.round(y * ratio);
      if (px < -atlas.size || py < -atlas.size || px > width + atlas.size || py > height + atlas.size) continue;
      if (id === this.selectedId) selected = [px, py];
      const row = atlas.rows.get(track.color) ?? 0;
      const col = (((Math.round((track.heading - bearing) / HEADING_STEP) % HEADINGS) + HEADINGS) % HEADINGS);
      // Integer source and destination: the fast, unscaled blit path.
      ctx.drawImage(atlas.canvas, col * atlas.size, row * atlas.size, atlas.size, atlas.size, px - half, py - half, atlas.size, atlas.size);
      if (withLabels) labelled.push([track.label, px + r + Math.round(3 * ratio), py]);
    }
    // Labels over every sprite, so no unit hides another's call sign.
    for (const [text, lx, ly] of labelled) {
      const label = this.labels.get(text, ratio);
      ctx.drawImage(label.canvas, label.x, label.y, label.width, label.height, lx, ly - (label.height >> 1), label.width, label.height);
    }
    if (selected) {
      ctx.beginPath();
      ctx.arc(selected[0], selected[1], r + 5 * ratio, 0, Math.PI * 2);
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 3 * ratio;
      ctx.stroke();
    }
    this.frames += 1;
  }

  /** The last few positions of every unit as a faint line in its status colour, one stroke per colour. */
  private paintTrails(placed: Array<[Track, number, number, string]>, ratio: number) {
    const toScreen = this.affine();
    const paths = new Map<string, Path2D>();
    for (const [track, x, y] of placed) {
      if (!track.trail.length) continue;
      let path = paths.get(track.color);
      if (!path) paths.set(track.color, (path = new Path2D()));
      const [fx, fy] = toScreen(track.trail[0]![0], track.trail[0]![1]);
      path.moveTo(fx * ratio, fy * ratio);
      for (let i = 1; i < track.trail.length; i += 1) {
        const [tx, ty] = toScreen(track.trail[i]![0], track.trail[i]![1]);
        path.lineTo(tx * ratio, ty * ratio);
      }
      path.lineTo(x * ratio, y * ratio);
    }
    const ctx = this.ctx;
    ctx.save();
    ctx.globalAlpha = 0.45;
    ctx.lineWidth = 2 * ratio;
    ctx.lineJoin = 'round';
    for (const [color, path] of paths) {
      ctx.strokeStyle = color;
      ctx.stroke(path);
    }
    ctx.restore();
  }

  private atlas: { radius: number; size: number; canvas: HTMLCanvasElement; rows: Map<string, number> } | null = null;

  /**
   * Every unit sprite pre-drawn once (a row per status colour, a column per
   * 15 degrees of heading): blitting 2,000 small images per frame is several
   * times cheaper than rasterising 2,000 anti-aliased paths.
   */
  private atlasFor(radius: number) {
    if (this.atlas?.radius === radius) return this.atlas;
    const colors = [...new Set(Object.values(UNIT_STATUS_COLORS))];
    const size = Math.ceil(radius * 2 * 1.9 + 6);
    const canvas = document.createElement('canvas');
    canvas.width = size * HEADINGS;
    canvas.height = size * colors.length;
    const ctx = canvas.getContext('2d')!;
    const rows = new Map<string, number>();
    colors.forEach((color, row) => {
      rows.set(color, row);
      for (let col = 0; col < HEADINGS; col += 1) {
        const cx = col * size + size / 2;
        const cy = row * size + size / 2;
        const h = (col * HEADING_STEP * Math.PI) / 180;
        const sin = Math.sin(h);
        const cos = Math.cos(h);
        ctx.beginPath();
        ctx.moveTo(cx + radius, cy);
        ctx.arc(cx, cy, radius, 0, Math.PI * 2);
        ctx.moveTo(cx + sin * radius * 1.75, cy - cos * radius * 1.75);
        ctx.lineTo(cx + cos * radius * 0.8, cy + sin * radius * 0.8);
        ctx.lineTo(cx - cos * radius * 0.8, cy - sin * radius * 0.8);
        ctx.closePath();
        ctx.lineWidth = Math.max(2, radius / 4);
        ctx.strokeStyle = '#0a0e13';
        ctx.stroke();
        ctx.fillStyle = color;
        ctx.fill();
      }
    });
    this.atlas = { radius, size, canvas, rows };
    return this.atlas;
  }
}

function positionAt(track: Track, now: number): [number, number] {
  if (track.duration <= 0) return [track.toX, track.toY];
  const t = Math.min(1, (now - track.start) / track.duration);
  return [track.fromX + (track.toX - track.fromX) * t, track.fromY + (track.toY - track.fromY) * t];
}
