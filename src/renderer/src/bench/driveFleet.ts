import { applyDispatchEvents, useDispatch } from '../stores/dispatchStore';
import { toUnit } from '../stores/dispatchModel';
import type { Fleet } from './synthetic';

/**
 * Puts a synthetic fleet on the board and moves a tenth of it ten times a
 * second through the same event path live CAD updates take, so a benchmark
 * measures the console under a real update rhythm. Returns the stop function.
 */
export function driveFleet(fleet: Fleet): () => void {
  useDispatch.getState().applyUnits(fleet.units.map((u) => toUnit(u, undefined)));
  const ticksPerSecond = 10;
  const slice = Math.ceil(fleet.units.length / ticksPerSecond);
  let tick = 0;
  const timer = setInterval(() => {
    const from = (tick % ticksPerSecond) * slice;
    tick += 1;
    applyDispatchEvents([{ name: 'dispatch.unitUpdated', payload: { units: fleet.step(from, from + slice), removed: [] } }]);
  }, 1000 / ticksPerSecond);
  return () => clearInterval(timer);
}
