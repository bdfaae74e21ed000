import { useAlerts } from '../stores/alertsStore';
import { useDispatch } from '../stores/dispatchStore';
import { alarmCounters } from '../features/alerts/AlertSounder';
import { replayDispatch, useReplayRoom } from '../features/replay/replayStore';

/**
 * A read-only window onto the stores for browser tests (positions of units,
 * alert counts). Off unless this workstation opts in with
 * localStorage['switchboard.debug'] = '1'; it exposes nothing the views do not show.
 */
export function installDebugHook(): void {
  if (localStorage.getItem('switchboard.debug') !== '1') return;
  (window as unknown as { __switchboardDebug: unknown }).__switchboardDebug = {
    units: () => [...useDispatch.getState().units.values()].map((u) => ({ id: u.id, status: u.status, lat: u.lat, lon: u.lon, incidentId: u.incidentId })),
    incidents: () => [...useDispatch.getState().incidents.values()].map((i) => ({ id: i.id, status: i.status, units: i.units, lat: i.lat, lon: i.lon })),
    alarm: () => ({ ...alarmCounters }),
    alerts: () => Object.values(useAlerts.getState().byId).map((a) => ({ id: a.id, severity: a.severity, acknowledged_by: a.acknowledged_by })),
    // The replay mode's picture, in the same shape as the live one (test/e2e/replay.test.ts compares them).
    replay: () => ({
      at: useReplayRoom.getState().at,
      units: [...replayDispatch.getState().units.values()].map((u) => ({ id: u.id, status: u.status, lat: u.lat, lon: u.lon, incidentId: u.incidentId })),
      incidents: [...replayDispatch.getState().incidents.values()].map((i) => ({ id: i.id, status: i.status, units: i.units, lat: i.lat, lon: i.lon })),
      alerts: useReplayRoom.getState().alerts.map((a) => ({ id: a.id, severity: a.severity, acknowledged_by: a.acknowledged_by })),
      chain: useReplayRoom.getState().chain,
      cadLink: useReplayRoom.getState().cadLink,
      keyframe: useReplayRoom.getState().keyframe
    })
  };
}
