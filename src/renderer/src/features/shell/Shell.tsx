import { useEffect, useState } from 'react';
import { subscribeAlerts, useAlerts } from '../../stores/alertsStore';
import { subscribeDispatch, useDispatch } from '../../stores/dispatchStore';
import { subscribeHealth, useHealth } from '../../stores/healthStore';
import { subscribeLog } from '../../stores/logStore';
import { subscribePatients } from '../../stores/patientsStore';
import { useSession } from '../../stores/sessionStore';
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
  useEffect(() => {
    const stops = [subscribeHealth(), subscribeLog()];
    if (operator.role !== 'auditor') {
      stops.push(subscribeAlerts(), subscribeDispatch(), subscribePatients());
      void useAlerts.getState().load();
      void useDispatch.getState().load();
    }
    void useHealth.getState().load();
    const refresh = setInterval(() => void useHealth.getState().load(), 10_000);
    return () => {
      stops.forEach((stop) => stop());
      clearInterval(refresh);
    };
  }, [operator.role]);

  const go = (id: ViewId) => {
    location.hash = `/${id}`;
    setView(id);
  };

  return (
    <div className="shell">
      <StatusStrip onOpenAlerts={() => go('alerts')} />
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
      <main className="content" data-view={view}>
        {view === 'map' && <MapView />}
        {view === 'board' && <BoardView />}
        {view === 'alerts' && <AlertsView />}
        {view === 'patients' && <PatientsView />}
        {view === 'statistics' && <StatisticsView />}
        {view === 'health' && <HealthView />}
        {view === 'audit' && <AuditView />}
        {view === 'report' && <ReportView />}
      </main>
      {operator.role !== 'auditor' ? <AlertSounder /> : null}
    </div>
  );
}
