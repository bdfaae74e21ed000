import { priorityGlyph, UNIT_STATUS_GLYPHS } from '../dispatch/symbols';
import { PRIORITY_COLORS, UNIT_STATUS_COLORS, UNIT_STATUS_LABELS } from './unitColors';

const STATUSES = ['available', 'dispatched', 'enroute', 'onscene', 'transporting', 'athospital', 'outofservice'] as const;

/**
 * What every symbol means, by shape as well as colour: units are arrows in a
 * circle with a status glyph, incidents are priority shapes, hospitals squares
 * with an H, requests rings.
 */
export function MapLegend({ compact = false }: { compact?: boolean }) {
  return (
    <details className={`legend${compact ? ' legend--compact' : ''}`} aria-label="Legend" open={!compact}>
      <summary>Legend</summary>
      <div className="legend__group">
        <strong>Units</strong>
        {STATUSES.map((s) => (
          <span key={s} className="legend__item">
            <i className="legend__unit" style={{ background: UNIT_STATUS_COLORS[s] }}>
              {UNIT_STATUS_GLYPHS[s]}
            </i>
            {UNIT_STATUS_LABELS[s]}
          </span>
        ))}
      </div>
      <div className="legend__group">
        <strong>Incidents</strong>
        {[1, 2, 3, 4].map((p) => (
          <span key={p} className="legend__item">
            <i className="legend__shape" style={{ color: PRIORITY_COLORS[p] }}>
              {priorityGlyph(p)}
            </i>
            P{p}
            {p === 4 ? '+' : ''}
          </span>
        ))}
      </div>
      <div className="legend__group">
        <span className="legend__item">
          <i className="legend__hospital">H</i> Hospital (grey: diverting)
        </span>
        <span className="legend__item">
          <i className="legend__request" /> Ambulance request
        </span>
      </div>
    </details>
  );
}
