import type { MapHandle } from '../features/map/DispatchMap';

/** What a benchmark page offers the driver in bench/console/*.ts, on window.__bench. */
export interface BenchApi {
  ready: boolean;
  /** Counts animation frames (and long frames) for `ms` milliseconds. */
  measureFrames(ms: number): Promise<{ fps: number; frames: number; longFrames: number; worstFrameMs: number; layerFps: number | null }>;
  latencies?: number[];
  eventsSent?: number;
  longTasks?: number[];
  scrollTo?(top: number): void;
}

declare global {
  interface Window {
    __bench?: BenchApi;
  }
}

export function createBenchApi(handle: () => MapHandle | null): BenchApi {
  return {
    ready: false,
    measureFrames(ms) {
      return new Promise((resolve) => {
        const start = performance.now();
        const layerStart = handle()?.units?.frames ?? null;
        let last = start;
        let frames = 0;
        let longFrames = 0;
        let worst = 0;
        const tick = (t: number) => {
          frames += 1;
          const d = t - last;
          worst = Math.max(worst, d);
          if (d > 50) longFrames += 1;
          last = t;
          if (t - start < ms) requestAnimationFrame(tick);
          else {
            const seconds = (t - start) / 1000;
            const layerEnd = handle()?.units?.frames ?? null;
            resolve({
              fps: frames / seconds,
              frames,
              longFrames,
              worstFrameMs: worst,
              layerFps: layerStart === null || layerEnd === null ? null : (layerEnd - layerStart) / seconds
            });
          }
        };
        requestAnimationFrame(tick);
      });
    }
  };
}
