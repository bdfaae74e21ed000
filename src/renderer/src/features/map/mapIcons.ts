import type { Map as MapLibreMap } from 'maplibre-gl';
import { PRIORITY_COLORS } from './unitColors';

/**
 * Map symbols drawn on a canvas, so incidents and hospitals differ by shape,
 * not only by colour (the offline style has no font glyphs, so shapes are
 * images, not text): P1 a triangle, P2 a diamond, P3 a square, P4 a circle
 * (blitted by the incident overlay), a hospital a rounded square with an H
 * (registered as map images).
 */
const SIZE = 30;

type Draw = (g: CanvasRenderingContext2D, c: number, r: number) => void;

const SHAPES: Record<number, Draw> = {
  1: (g, c, r) => {
    g.moveTo(c, c - r);
    g.lineTo(c + r * 1.05, c + r * 0.8);
    g.lineTo(c - r * 1.05, c + r * 0.8);
    g.closePath();
  },
  2: (g, c, r) => {
    g.moveTo(c, c - r);
    g.lineTo(c + r, c);
    g.lineTo(c, c + r);
    g.lineTo(c - r, c);
    g.closePath();
  },
  3: (g, c, r) => g.rect(c - r * 0.8, c - r * 0.8, r * 1.6, r * 1.6),
  4: (g, c, r) => g.arc(c, c, r * 0.8, 0, Math.PI * 2)
};

function image(draw: (g: CanvasRenderingContext2D) => void): ImageData {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = SIZE;
  const g = canvas.getContext('2d')!;
  draw(g);
  return g.getImageData(0, 0, SIZE, SIZE);
}

/** An incident's shape for its priority (1-4), `scale` times the icons' size, as a canvas to blit (incidentOverlay.ts). */
export function incidentIcon(priority: number, scale: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = Math.ceil(SIZE * scale);
  const g = canvas.getContext('2d')!;
  g.scale(scale, scale);
  g.beginPath();
  SHAPES[priority]!(g, SIZE / 2, 11);
  g.fillStyle = PRIORITY_COLORS[priority]!;
  g.fill();
  g.lineWidth = 2.5;
  g.strokeStyle = '#0d1117';
  g.stroke();
  return canvas;
}

export function addMapIcons(map: MapLibreMap): void {
  for (const [name, fill] of [
    ['hospital', '#1f6feb'],
    ['hospital-diverting', '#6e7681']
  ] as const) {
    map.addImage(
      name,
      image((g) => {
        g.beginPath();
        g.roundRect(4, 4, SIZE - 8, SIZE - 8, 4);
        g.fillStyle = fill;
        g.fill();
        g.lineWidth = 2;
        g.strokeStyle = '#e6edf3';
        g.stroke();
        // The H is drawn as three bars: no font is needed.
        g.fillStyle = '#ffffff';
        g.fillRect(10, 9, 3, 12);
        g.fillRect(17, 9, 3, 12);
        g.fillRect(10, 13.5, 10, 3);
      })
    );
  }
}
