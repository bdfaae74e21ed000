import { useMemo, useRef } from 'react';
import { Timer } from '../../components/Timer';
import { VirtualList } from '../../components/VirtualList';
import type { UnitView } from '../../stores/dispatchModel';
import { sortUnits } from './unitOrder';
import { useDispatch } from '../../stores/dispatchStore';
import { unitTimer, useThresholds } from '../boards/thresholds';
import { UNIT_STATUS_COLORS, UNIT_STATUS_LABELS } from '../map/unitColors';
import { UNIT_STATUS_GLYPHS } from './symbols';

export const UNIT_ROW_HEIGHT = 26;

/**
 * The list order, recomputed only when a unit joins, leaves, or changes status
 * or call sign: position reports (thousands a second) leave the order alone, so
 * they cost a lookup per visible row, not a sort of every unit.
 */
function useUnitOrder(units: ReadonlyMap<string, UnitView>): string[] {
  const memo = useRef<{ order: string[]; signature: Map<string, string> } | null>(null);
  return useMemo(() => {
    const previous = memo.current;
    let same = previous !== null && previous.signature.size === units.size;
    if (same) {
      for (const [id, unit] of units) {
        if (previous!.signature.get(id) !== `${unit.status}|${unit.callsign}`) {
          same = false;
          break;
        }
      }
    }
    if (same) return previous!.order;
    const order = sortUnits(units).map((u) => u.id);
    memo.current = { order, signature: new Map([...units].map(([id, u]) => [id, `${u.status}|${u.callsign}`])) };
    return order;
  }, [units]);
}

function UnitRow({ unit, index, style, selected, tabbable }: { unit: UnitView; index: number; style: React.CSSProperties; selected: boolean; tabbable: boolean }) {
  const thresholds = useThresholds((s) => s.value);
  return (
    <div
      role="row"
      tabIndex={tabbable ? 0 : -1}
      data-index={index}
      data-unit={unit.id}
      data-status={unit.status}
      aria-selected={selected}
      className={`unit-row${selected ? ' unit-row--selected' : ''}${unit.cad ? '' : ' unit-row--hub'}`}
      style={style}
      onClick={() => useDispatch.getState().select({ kind: 'unit', id: unit.id }, { center: true })}
      onFocus={() => !selected && useDispatch.getState().select({ kind: 'unit', id: unit.id }, { center: true })}
    >
      <span className="unit-row__status" style={{ background: UNIT_STATUS_COLORS[unit.status] }}>
        {UNIT_STATUS_GLYPHS[unit.status]} {UNIT_STATUS_LABELS[unit.status]}
      </span>
      <span className="unit-row__callsign">{unit.callsign}</span>
      <span className="unit-row__type">{unit.cad ? (unit.unitType ?? '') : 'hub only'}</span>
      <Timer since={unit.statusSince} thresholds={unitTimer(thresholds, unit.status)} label="Time in this status" />
      <span className="unit-row__incident">{unit.incidentId ?? ''}</span>
    </div>
  );
}

export function UnitList() {
  const units = useDispatch((s) => s.units);
  const selected = useDispatch((s) => (s.selected?.kind === 'unit' ? s.selected.id : null));
  const order = useUnitOrder(units);
  const selectedIndex = useMemo(() => (selected ? order.indexOf(selected) : -1), [order, selected]);
  const available = useMemo(() => order.filter((id) => units.get(id)?.status === 'available' && units.get(id)?.cad).length, [order, units]);
  return (
    <section className="units" aria-label="Units">
      <h2>
        Units <small>{order.length}</small> <small className="ok-text" data-testid="units-available">{available} available</small>
      </h2>
      <VirtualList
        label="Units"
        testId="unit-list"
        count={order.length}
        rowHeight={UNIT_ROW_HEIGHT}
        activeIndex={selectedIndex >= 0 ? selectedIndex : null}
        onMove={(i) => order[i] && useDispatch.getState().select({ kind: 'unit', id: order[i] }, { center: true })}
        renderRow={(i, style) => {
          const unit = units.get(order[i]!)!;
          return <UnitRow key={unit.id} unit={unit} index={i} style={style} selected={i === selectedIndex} tabbable={selectedIndex >= 0 ? i === selectedIndex : i === 0} />;
        }}
      />
    </section>
  );
}
