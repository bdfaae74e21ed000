/**
 * Collects pushed events and hands them over once per animation frame, so a
 * burst of a thousand unit updates costs one store update and one paint, not a
 * thousand. A hidden window gets no frames, so a timer flushes it instead
 * (the store stays current for when it is shown again).
 */
export function frameBatch<T>(flush: (items: T[]) => void, hiddenFlushMs = 500): (item: T) => void {
  let pending: T[] = [];
  let scheduled = false;
  const run = () => {
    scheduled = false;
    const items = pending;
    pending = [];
    if (items.length) flush(items);
  };
  return (item: T) => {
    pending.push(item);
    if (scheduled) return;
    scheduled = true;
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') setTimeout(run, hiddenFlushMs);
    else requestAnimationFrame(run);
  };
}
