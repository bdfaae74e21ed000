import { useCallback, useEffect, useState } from 'react';
import { countUnacknowledged, subscribeAlerts, useAlerts } from '../../stores/alertsStore';
import { subscribeDispatch, useDispatch } from '../../stores/dispatchStore';
import { subscribeHealth, useHealth } from '../../stores/healthStore';
import { subscribeLog } from '../../stores/logStore';
import { subscribePatients } from '../../stores/patientsStore';
import { forgetPicture, useIsLive, useLive } from '../../stores/liveStore';
import { useSession } from '../../stores/sessionStore';
import { HeldMessages } from '../safety/HeldMessages';
import { OutageBanner } from '../safety/OutageBanner';
import { AdminView } from '../admin/AdminView';
import { AlertSounder } from '../alerts/AlertSounder';
import { AlertsView } from '../alerts/AlertsView';
import { CriticalBanner } from '../alerts/CriticalBanner';
import { AuditView } from '../audit/AuditView';
import { ReportView } from '../audit/ReportView';
import { ReplayView } from '../replay/ReplayView';
import { BoardView } from '../boards/BoardView';
import { subscribeThresholds, useThresholds } from '../boards/thresholds';
import { subscribeRunCards, useRunCards } from '../boards/runCards';
import { DispatchView } from '../dispatch/DispatchView';
import { useDispatchShortcuts } from '../dispatch/shortcuts';
import { HealthView } from '../health/HealthView';
import { MapView } from '../map/MapView';
import { PatientsView } from '../patients/PatientsView';
import { StatisticsView } from '../statistics/StatisticsView';
import { WorkstationTools } from '../workstation/WorkstationTools';
import { StatusStrip } from './StatusStrip';
import { canDispatch, viewsFor, type ViewId } from './views';

function viewFromHash(): ViewId | null {
  const id = location.hash.replace(/^#\/?/, '');
  return (id || null) as ViewId | null;
}

/** Counts that say what they count: red for critical, amber for warnings, each labelled. */
function AlertBadges({ critical, warnings }: { critical: number; warnings: number }) {
  return (
    <span className="badges">
      {critical > 0 ? (
        <span className="badge" data-testid="nav-critical" title="critical alerts unacknowledged" aria-label={`${critical} critical unacknowledged`}>
          {critical} crit
        </span>
      ) : null}
      {warnings > 0 ? (
        <span className="badge badge--warn" data-testid="nav-warnings" title="warnings unacknowledged" aria-label={`${warnings} warnings unacknowledged`}>
          {warnings} warn
        </span>
      ) : null}
    </span>
  );
}

/** `detached`: this window shows one view on its own (`#/view/<id>`), with the strip and notices but no navigation. */
export function Shell({ detached }: { detached?: ViewId } = {}) {
  const operator = useSession((s) => s.operator)!;
  const signOut = useSession((s) => s.signOut);
  const critical = useAlerts((s) => countUnacknowledged(s.byId, 'critical'));
  const warnings = useAlerts((s) => countUnacknowledged(s.byId, 'warning'));
  const views = viewsFor(operator.role);
  const live = useIsLive();
  const generation = useLive((s) => s.generation);
  const [view, setView] = useState<ViewId>(() => {
    if (detached && views.some((v) => v.id === detached)) return detached;
    const fromHash = viewFromHash();
    return fromHash && views.some((v) => v.id === fromHash) ? fromHash : views[0]!.id;
  });

  useEffect(() => {
    if (detached) return;
    const onHash = () => {
      const next = viewFromHash();
      if (next && views.some((v) => v.id === next)) setView(next);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [views, detached]);

  // Live data for the whole session: subscribe first, then load, so nothing pushed in between is lost.
  // Every reconnect (a new generation) starts again from nothing: what was pushed meanwhile is gone.
  useEffect(() => {
    if (generation > 0) forgetPicture();
    const stops = [subscribeHealth(), subscribeLog()];
    const loads = [useHealth.getState().load()];
    if (operator.role !== 'auditor') {
      stops.push(subscribeAlerts(), subscribeDispatch(), subscribePatients(), subscribeThresholds(), subscribeRunCards());
      loads.push(useAlerts.getState().load(), useDispatch.getState().load(), useThresholds.getState().load(), useRunCards.getState().load());
    }
    // bench/console/reconnect.bench.ts times a reload from the resync to the next frame.
    if (generation > 0) void Promise.all(loads).then(() => requestAnimationFrame(() => performance.mark('switchboard:resync-loaded')));
    const refresh = setInterval(() => void useHealth.getState().load(), 10_000);
    return () => {
      stops.forEach((stop) => stop());
      clearInterval(refresh);
    };
  }, [operator.role, generation]);

  const go = useCallback(
    (id: ViewId) => {
      // A view window keeps its own route: it stays a view window whatever it shows.
      if (!detached) location.hash = `/${id}`;
      setView(id);
    },
    [detached]
  );
  useDispatchShortcuts(go, canDispatch(operator.role));

  return (
    <div className={`shell${detached ? ' shell--detached' : ''}`} data-detached={detached}>
      <StatusStrip onOpenAlerts={() => go('alerts')} />
      <div className="shell__notices">
        <OutageBanner />
        {operator.role !== 'auditor' ? <HeldMessages /> : null}
      </div>
      {detached ? null : (
        <nav className="nav" aria-label="Views">
          {views.map((v) => (
            <button key={v.id} type="button" className={`nav__item${v.id === view ? ' nav__item--active' : ''}`} onClick={() => go(v.id)} data-view={v.id}>
              {v.title}
              {v.id === 'alerts' ? <AlertBadges critical={critical} warnings={warnings} /> : null}
            </button>
          ))}
          <WorkstationTools view={view} />
          <div className="nav__spacer" />
          <div className="nav__operator" data-testid="operator">
            <span>{operator.username}</span>
            <small>{operator.role}</small>
          </div>
          <button type="button" className="nav__item" onClick={() => void signOut()}>
            Sign out
          </button>
        </nav>
      )}
      <main className="content" data-view={view} data-stale={live ? undefined : '1'}>
        {operator.role !== 'auditor' ? <CriticalBanner onOpenAlerts={() => go('alerts')} /> : null}
        {/* A disabled fieldset switches off every control of every view at once while the picture is not live. */}
        <fieldset className="live-gate" disabled={!live} data-testid="live-gate">
          {view === 'dispatch' && <DispatchView />}
          {view === 'map' && <MapView />}
          {view === 'board' && <BoardView />}
          {view === 'alerts' && <AlertsView />}
          {view === 'patients' && <PatientsView />}
          {view === 'statistics' && <StatisticsView />}
          {view === 'health' && <HealthView />}
          {view === 'audit' && <AuditView />}
          {view === 'report' && <ReportView />}
          {view === 'replay' && <ReplayView />}
          {view === 'admin' && <AdminView />}
        </fieldset>
      </main>
      {/* One alarm per workstation: the main window sounds it, view windows show it. */}
      {operator.role !== 'auditor' && !detached ? <AlertSounder /> : null}
    </div>
  );
}
