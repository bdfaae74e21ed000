/**
 * What the unit overlay draws besides the unit sprites: call-sign labels, each
 * rendered once to its own small canvas and then blitted (text shaping for
 * hundreds of labels per frame costs far more than copying pixels), and short
 * trails of the last few reported positions.
 */

export const TRAIL_POINTS = 5;
/** Labels from this zoom in (the whole city at 11 would be a blur of text). */
export const LABEL_MIN_ZOOM = 12.5;
export const TRAIL_MIN_ZOOM = 12;

export interface LabelSprite {
  canvas: HTMLCanvasElement;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Call-sign labels, each rendered once to a small canvas and blitted from then on. */
export class LabelCache {
  private readonly sprites = new Map<string, LabelSprite>();
  private ratio = 0;

  get(text: string, ratio: number): LabelSprite {
    if (ratio !== this.ratio) {
      this.sprites.clear();
      this.ratio = ratio;
    }
    let sprite = this.sprites.get(text);
    if (!sprite) {
      const canvas = document.createElement('canvas');
      const font = `600 ${Math.round(11 * ratio)}px system-ui, sans-serif`;
      const g = canvas.getContext('2d')!;
      g.font = font;
      canvas.width = Math.ceil(g.measureText(text).width) + Math.round(6 * ratio);
      canvas.height = Math.round(15 * ratio);
      g.font = font;
      g.fillStyle = 'rgba(13, 17, 23, 0.78)';
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.fillStyle = '#e6edf3';
      g.textBaseline = 'middle';
      g.fillText(text, Math.round(3 * ratio), canvas.height / 2 + ratio * 0.5);
      sprite = { canvas, x: 0, y: 0, width: canvas.width, height: canvas.height };
      this.sprites.set(text, sprite);
    }
    return sprite;
  }
}

/** Appends a reported position to a trail (mercator), keeping the last few. */
export function extendTrail(trail: Array<[number, number]>, x: number, y: number): void {
  const last = trail[trail.length - 1];
  if (last && last[0] === x && last[1] === y) return;
  trail.push([x, y]);
  if (trail.length > TRAIL_POINTS) trail.shift();
}
