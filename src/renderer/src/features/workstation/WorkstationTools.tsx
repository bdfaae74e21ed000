import { useEffect, useRef, useState } from 'react';
import { DETACHABLE_VIEWS, WorkstationInfoSchema, type DetachableView, type WorkstationInfo } from '../../../../shared/desktop';
import { desktop, openViewWindow, rememberedOpenViews } from '../../lib/desktop';
import { countUnacknowledged, useAlerts } from '../../stores/alertsStore';
import { useSession } from '../../stores/sessionStore';
import { WorkstationForm } from './WorkstationSetup';

const isDetachable = (view: string): view is DetachableView => (DETACHABLE_VIEWS as readonly string[]).includes(view);

/** Tells the desktop shell the unacknowledged-critical count this window shows (the tray icon). */
function useTrayCount(): void {
  const critical = useAlerts((s) => countUnacknowledged(s.byId, 'critical'));
  useEffect(() => {
    if (desktop.available()) void desktop.call('attention.report', { critical });
  }, [critical]);
}

/** Reopens the view windows this workstation had open: at once in the desktop app, on a click in a browser (popup blockers). */
function ReopenViews() {
  const [waiting, setWaiting] = useState<DetachableView[]>([]);
  const done = useRef(false);
  useEffect(() => {
    if (done.current) return;
    done.current = true;
    if (desktop.available()) {
      void desktop.call('views.openAtStart', {}).then((result) => {
        if (result.ok && Array.isArray(result.value)) (result.value as string[]).filter(isDetachable).forEach((view) => openViewWindow(view));
      });
    } else {
      setWaiting(rememberedOpenViews());
    }
  }, []);
  if (waiting.length === 0) return null;
  return (
    <button
      type="button"
      className="nav__item"
      data-testid="reopen-views"
      onClick={() => {
        waiting.forEach((view) => openViewWindow(view));
        setWaiting([]);
      }}
    >
      Reopen {waiting.length} view window{waiting.length === 1 ? '' : 's'}
    </button>
  );
}

/** An admin's workstation settings in the desktop app: mode (applies at the next start) and start at login. */
function WorkstationPanel({ onClose }: { onClose(): void }) {
  const [info, setInfo] = useState<WorkstationInfo | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    void desktop.call('workstation.info', {}).then((r) => {
      const parsed = r.ok ? WorkstationInfoSchema.safeParse(r.value) : null;
      if (parsed?.success) setInfo(parsed.data);
    });
  }, [message]);
  const toggleLogin = async (enabled: boolean) => {
    const r = await desktop.call('workstation.startAtLogin', { enabled });
    setMessage(r.ok ? (enabled ? 'Switchboard starts when this user logs in.' : 'Switchboard no longer starts at login.') : r.error.message);
  };
  return (
    <div className="workstation__panel" role="dialog" aria-label="Workstation" data-testid="workstation-panel">
      <p>
        This workstation: <strong>{info?.mode ?? '…'}</strong>
        {info?.url ? ` to ${info.url}` : ''}
        {info?.pin ? ` (pinned ${info.pin.slice(0, 11)}…)` : ''}
        {info?.source ? `, chosen by ${info.source}` : ''}
      </p>
      <label>
        <input type="checkbox" checked={info?.startAtLogin ?? false} onChange={(e) => void toggleLogin(e.target.checked)} /> Start at login
      </label>
      <WorkstationForm method="workstation.change" submitLabel="Save (applies at the next start)" onDone={(m) => setMessage(`${m} Applies at the next start.`)} />
      {message ? <p role="status">{message}</p> : null}
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

/**
 * The workstation's part of the navigation: open the current view in its own
 * window, reopen the ones that were open, the tray count and (desktop app,
 * admin) the workstation's settings.
 */
export function WorkstationTools({ view }: { view: string }) {
  const role = useSession((s) => s.operator?.role);
  const [panel, setPanel] = useState(false);
  useTrayCount();
  return (
    <>
      {isDetachable(view) ? (
        <button type="button" className="nav__item" data-testid="open-view-window" title="Open this view in its own window (another monitor)" onClick={() => openViewWindow(view)}>
          Open in new window ⧉
        </button>
      ) : null}
      <ReopenViews />
      {desktop.available() && role === 'admin' ? (
        <button type="button" className="nav__item" data-testid="workstation-settings" onClick={() => setPanel((p) => !p)}>
          Workstation
        </button>
      ) : null}
      {panel ? <WorkstationPanel onClose={() => setPanel(false)} /> : null}
    </>
  );
}
