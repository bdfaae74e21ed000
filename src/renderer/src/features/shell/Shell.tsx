import { useEffect, useState } from 'react';
import { subscribeAlerts, useAlerts } from '../../stores/alertsStore';
import { subscribeDispatch, useDispatch } from '../../stores/dispatchStore';
import { subscribeHealth, useHealth } from '../../stores/healthStore';
import { subscribeLog } from '../../stores/logStore';
import { subscribePatients } from '../../stores/patientsStore';
import { forgetPicture, useIsLive, useLive } from '../../stores/liveStore';
import { useSession } from '../../stores/sessionStore';
import { HeldMessages } from '../safety/HeldMessages';
import { OutageBanner } from '../safety/OutageBanner';
import { AlertSounder } from '../alerts/AlertSounder';
import { AlertsView } from '../alerts/AlertsView';
import { AuditView } from '../audit/AuditView';
import { ReportView } from '../audit/ReportView';
import { BoardView } from '../boards/BoardView';
import { HealthView } from '../health/HealthView';
import { MapView } from '../map/MapView';
import { PatientsView } from '../patients/PatientsView';
import { StatisticsView } from '../statistics/StatisticsView';
import { StatusStrip } from './StatusStrip';
import { viewsFor, type ViewId } from './views';

function viewFromHash(): ViewId | null {
  const id = location.hash.replace(/^#\/?/, '');
  return (id || null) as ViewId | null;
}

export function Shell() {
  const operator = useSession((s) => s.operator)!;
  const signOut = useSession((s) => s.signOut);
  const unread = useAlerts((s) => Object.keys(s.unread).length);
  const views = viewsFor(operator.role);
  const live = useIsLive();
  const generation = useLive((s) => s.generation);
  const [view, setView] = useState<ViewId>(() => {
    const fromHash = viewFromHash();
    return fromHash && views.some((v) => v.id === fromHash) ? fromHash : views[0]!.id;
  });

  useEffect(() => {
    const onHash = () => {
      const next = viewFromHash();
      if (next && views.some((v) => v.id === next)) setView(next);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [views]);

  // Live data for the whole session: subscribe first, then load, so nothing pushed in between is lost.
  // Every reconnect (a new generation) starts again from nothing: what was pushed meanwhile is gone.
  useEffect(() => {
    if (generation > 0) forgetPicture();
    const stops = [subscribeHealth(), subscribeLog()];
    const loads = [useHealth.getState().load()];
    if (operator.role !== 'auditor') {
      stops.push(subscribeAlerts(), subscribeDispatch(), subscribePatients());
      loads.push(useAlerts.getState().load(), useDispatch.getState().load());
    }
    // bench/console/reconnect.bench.ts times a reload from the resync to the next frame.
    if (generation > 0) void Promise.all(loads).then(() => requestAnimationFrame(() => performance.mark('switchboard:resync-loaded')));
    const refresh = setInterval(() => void useHealth.getState().load(), 10_000);
    return () => {
      stops.forEach((stop) => stop());
      clearInterval(refresh);
    };
  }, [operator.role, generation]);

  const go = (id: ViewId) => {
    location.hash = `/${id}`;
    setView(id);
  };

  return (
    <div className="shell">
      <StatusStrip onOpenAlerts={() => go('alerts')} />
      <div className="shell__notices">
        <OutageBanner />
        {operator.role !== 'auditor' ? <HeldMessages /> : null}
      </div>
      <nav className="nav" aria-label="Views">
        {views.map((v) => (
          <button key={v.id} type="button" className={`nav__item${v.id === view ? ' nav__item--active' : ''}`} onClick={() => go(v.id)} data-view={v.id}>
            {v.title}
            {v.id === 'alerts' && unread > 0 ? <span className="badge">{unread}</span> : null}
          </button>
        ))}
        <div className="nav__spacer" />
        <div className="nav__operator" data-testid="operator">
          <span>{operator.username}</span>
          <small>{operator.role}</small>
        </div>
        <button type="button" className="nav__item" onClick={() => void signOut()}>
          Sign out
        </button>
      </nav>
      <main className="content" data-view={view} data-stale={live ? undefined : '1'}>
        {/* A disabled fieldset switches off every control of every view at once while the picture is not live. */}
        <fieldset className="live-gate" disabled={!live} data-testid="live-gate">
          {view === 'map' && <MapView />}
          {view === 'board' && <BoardView />}
          {view === 'alerts' && <AlertsView />}
          {view === 'patients' && <PatientsView />}
          {view === 'statistics' && <StatisticsView />}
          {view === 'health' && <HealthView />}
          {view === 'audit' && <AuditView />}
          {view === 'report' && <ReportView />}
        </fieldset>
      </main>
      {operator.role !== 'auditor' ? <AlertSounder /> : null}
    </div>
  );
}
