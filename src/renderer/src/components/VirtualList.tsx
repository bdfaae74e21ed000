import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useScrollTop } from './useScrollTop';

interface VirtualListProps {
  count: number;
  rowHeight: number;
  /** Draws row `index`; it must set `tabIndex` and `data-index` on its root so the keyboard can reach it. */
  renderRow(index: number, style: React.CSSProperties): ReactNode;
  label: string;
  testId?: string;
  /** The row that keyboard focus and selection point at, kept in view. */
  activeIndex?: number | null;
  /** Arrow keys, Home and End move to another row. */
  onMove?(index: number): void;
}

const OVERSCAN = 6;

/**
 * A list that draws only the rows in view, for the dispatch screen's queues and
 * unit list (hundreds of calls, thousands of units at one row height). Rows
 * take keyboard focus; the arrow keys move between them.
 */
export function VirtualList({ count, rowHeight, renderRow, label, testId, activeIndex = null, onMove }: VirtualListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const scrollTop = useScrollTop(scroller);
  const [height, setHeight] = useState(400);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Keep the active row in view and give it focus if the list has focus already.
  useEffect(() => {
    const el = scroller.current;
    if (!el || activeIndex === null || activeIndex < 0) return;
    const top = activeIndex * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
    if (el.contains(document.activeElement)) {
      requestAnimationFrame(() => el.querySelector<HTMLElement>(`[data-index="${activeIndex}"]`)?.focus({ preventScroll: true }));
    }
  }, [activeIndex, rowHeight]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (!onMove || !count) return;
    const current = activeIndex ?? -1;
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const next =
      e.key === 'ArrowDown' ? Math.min(count - 1, current + 1) : e.key === 'ArrowUp' ? Math.max(0, current - 1) : e.key === 'PageDown' ? Math.min(count - 1, current + page) : e.key === 'PageUp' ? Math.max(0, current - page) : e.key === 'Home' ? 0 : e.key === 'End' ? count - 1 : null;
    if (next === null) return;
    e.preventDefault();
    onMove(next);
  };

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i += 1) rows.push(renderRow(i, { position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }));
  return (
    <div ref={scroller} className="vlist" role="grid" aria-label={label} aria-rowcount={count} data-testid={testId} onKeyDown={onKeyDown}>
      <div style={{ height: count * rowHeight, position: 'relative' }}>{rows}</div>
    </div>
  );
}
