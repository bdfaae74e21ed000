import { useMemo } from 'react';
import { NotAvailable } from '../../components/NotAvailable';
import { useDispatch } from '../../stores/dispatchStore';
import { CallList, splitCalls } from '../dispatch/CallList';
import { UnitList } from '../dispatch/UnitList';
import { DetailsPanel } from '../map/DetailsPanel';
import { ThresholdEditor } from './ThresholdEditor';
import { RunCardEditor } from './RunCardEditor';

/**
 * The lists without the map, at full width (a second screen, or a supervisor's
 * overview), with the centre's time-in-status thresholds and run cards below.
 */
export function BoardView() {
  const available = useDispatch((s) => s.available);
  const error = useDispatch((s) => s.error);
  const incidents = useDispatch((s) => s.incidents);
  const { pending, active } = useMemo(() => splitCalls(incidents), [incidents]);
  return (
    <div className="boards">
      {!available ? <NotAvailable what="Live dispatch data" detail={error ?? undefined} /> : null}
      <div className="boards__lists">
        <div className="boards__calls">
          <CallList kind="pending" calls={pending} />
          <CallList kind="active" calls={active} />
        </div>
        <UnitList />
        <DetailsPanel />
      </div>
      <ThresholdEditor />
      <RunCardEditor />
    </div>
  );
}
