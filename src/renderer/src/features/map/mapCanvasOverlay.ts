import type { Map as MapLibreMap } from 'maplibre-gl';

/**
 * A canvas laid over the map (units, incidents): created in the map's canvas
 * container, sized to it in device pixels, and redrawn on the next animation
 * frame after a camera move or a resize, at most once per frame. Subclasses
 * draw; they call `resize()` once their own fields are set.
 */
export abstract class MapCanvasOverlay {
  protected readonly canvas: HTMLCanvasElement;
  protected readonly ctx: CanvasRenderingContext2D;
  private frame: number | null = null;

  constructor(
    protected readonly map: MapLibreMap,
    className: string
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = className;
    this.canvas.setAttribute('aria-hidden', 'true');
    map.getCanvasContainer().appendChild(this.canvas);
    this.ctx = this.canvas.getContext('2d')!;
    map.on('move', this.schedule);
    map.on('resize', this.resize);
  }

  remove() {
    this.map.off('move', this.schedule);
    this.map.off('resize', this.resize);
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.canvas.remove();
  }

  /** Draws the overlay for the map's current camera (on an animation frame). */
  protected abstract draw(): void;

  /** After the canvas took the container's size, before the redraw is scheduled. */
  protected resized(): void {}

  protected readonly resize = () => {
    const container = this.map.getContainer();
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(container.clientWidth * ratio);
    this.canvas.height = Math.round(container.clientHeight * ratio);
    this.canvas.style.width = `${container.clientWidth}px`;
    this.canvas.style.height = `${container.clientHeight}px`;
    this.resized();
    this.schedule();
  };

  protected readonly schedule = () => {
    if (this.frame === null) this.frame = requestAnimationFrame(this.onFrame);
  };

  private readonly onFrame = () => {
    this.frame = null;
    this.draw();
  };
}
