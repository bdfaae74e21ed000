import { useEffect, useRef, type ReactNode } from 'react';
import { useScrollTop } from './useScrollTop';

export interface Column<Row> {
  key: string;
  title: string;
  width: number;
  render(row: Row): ReactNode;
}

interface VirtualTableProps<Row> {
  columns: Column<Row>[];
  rowCount: number;
  /** A row, or undefined while it is still being fetched (a placeholder is drawn). */
  rowAt(index: number): Row | undefined;
  onVisibleRange?(start: number, end: number): void;
  onSelect?(row: Row, index: number): void;
  selectedIndex?: number | null;
  rowHeight?: number;
  height?: number;
  label: string;
}

const OVERSCAN = 4;
/** Row slots are keyed modulo this, so scrolling reuses DOM rows instead of remounting them. */
const SLOTS = 128;

/**
 * A table that draws only the rows in view (plus a few), so 100,000 rows cost
 * the same to scroll as 40. Rows have a fixed height; the scroll position is
 * read in a passive listener and applied once per animation frame.
 */
export function VirtualTable<Row>({ columns, rowCount, rowAt, onVisibleRange, onSelect, selectedIndex, rowHeight = 30, height = 480, label }: VirtualTableProps<Row>) {
  const scroller = useRef<HTMLDivElement>(null);
  const scrollTop = useScrollTop(scroller);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(rowCount, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  useEffect(() => onVisibleRange?.(first, last), [first, last, onVisibleRange]);

  const totalWidth = columns.reduce((w, c) => w + c.width, 0);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i += 1) {
    const row = rowAt(i);
    rows.push(
      <div
        key={i % SLOTS}
        role="row"
        aria-rowindex={i + 2}
        className={`vt__row${i === selectedIndex ? ' vt__row--selected' : ''}${row ? '' : ' vt__row--loading'}`}
        style={{ height: rowHeight, width: totalWidth }}
        onClick={row && onSelect ? () => onSelect(row, i) : undefined}
      >
        {columns.map((c) => (
          <div role="cell" key={c.key} className="vt__cell" style={{ width: c.width }}>
            {row ? c.render(row) : i === first ? '…' : ''}
          </div>
        ))}
      </div>
    );
  }

  return (
    <div className="vt" role="table" aria-label={label} aria-rowcount={rowCount + 1}>
      <div className="vt__head" role="row" style={{ width: totalWidth }}>
        {columns.map((c) => (
          <div role="columnheader" key={c.key} className="vt__cell" style={{ width: c.width }}>
            {c.title}
          </div>
        ))}
      </div>
      <div ref={scroller} className="vt__body" style={{ height }} data-testid="vt-body">
        <div style={{ height: rowCount * rowHeight, width: totalWidth, position: 'relative' }}>
          {/* One moving block of rows in normal flow: a single layer to repaint, not one per row. */}
          <div className="vt__window" style={{ transform: `translateY(${first * rowHeight}px)` }}>
            {rows}
          </div>
        </div>
      </div>
    </div>
  );
}
