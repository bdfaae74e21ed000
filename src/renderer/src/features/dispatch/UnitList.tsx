import { useMemo } from 'react';
import { Timer } from '../../components/Timer';
import { VirtualList } from '../../components/VirtualList';
import { UNIT_STATUSES, type UnitView } from '../../stores/dispatchModel';
import { useDispatch } from '../../stores/dispatchStore';
import { unitTimer, useThresholds } from '../boards/thresholds';
import { UNIT_STATUS_COLORS, UNIT_STATUS_LABELS } from '../map/unitColors';
import { UNIT_STATUS_GLYPHS } from './symbols';

export const UNIT_ROW_HEIGHT = 26;

/** Units grouped by status in a fixed order (available first), then by call sign. */
export function sortUnits(units: ReadonlyMap<string, UnitView>): UnitView[] {
  return [...units.values()].sort((a, b) => UNIT_STATUSES.indexOf(a.status) - UNIT_STATUSES.indexOf(b.status) || a.callsign.localeCompare(b.callsign, undefined, { numeric: true }));
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
  const sorted = useMemo(() => sortUnits(units), [units]);
  const selectedIndex = useMemo(() => (selected ? sorted.findIndex((u) => u.id === selected) : -1), [sorted, selected]);
  const available = useMemo(() => sorted.filter((u) => u.status === 'available' && u.cad).length, [sorted]);
  return (
    <section className="units" aria-label="Units">
      <h2>
        Units <small>{sorted.length}</small> <small className="ok-text" data-testid="units-available">{available} available</small>
      </h2>
      <VirtualList
        label="Units"
        testId="unit-list"
        count={sorted.length}
        rowHeight={UNIT_ROW_HEIGHT}
        activeIndex={selectedIndex >= 0 ? selectedIndex : null}
        onMove={(i) => sorted[i] && useDispatch.getState().select({ kind: 'unit', id: sorted[i].id }, { center: true })}
        renderRow={(i, style) => <UnitRow key={sorted[i]!.id} unit={sorted[i]!} index={i} style={style} selected={i === selectedIndex} tabbable={selectedIndex >= 0 ? i === selectedIndex : i === 0} />}
      />
    </section>
  );
}
