import { Sparkline } from '../../components/Chart';
import { useNow } from '../../components/useNow';
import { formatNumber } from '../../lib/format';
import { countUnacknowledged, useAlerts } from '../../stores/alertsStore';
import { cadLinkOf, useHealth } from '../../stores/healthStore';
import { useSession } from '../../stores/sessionStore';
import { mayCall } from './views';

const HEARTBEAT_STALE_MS = 12_000;
const LOG_STATS_STALE_MS = 30_000;
const LOG_QUEUE_ALARM = 10_000;

type Level = 'ok' | 'warn' | 'bad' | 'idle' | 'unknown';

function Cell({ label, value, level, testId, children }: { label: string; value: string; level: Level; testId: string; children?: React.ReactNode }) {
  return (
    <div className={`strip__cell strip__cell--${level}`} data-testid={testId} data-level={level}>
      <span className="strip__label">{label}</span>
      <span className="strip__value">{value}</span>
      {children}
    </div>
  );
}

/**
 * Always visible: hub, CAD link, log write rate and unacknowledged critical
 * alerts. Calm grey-green while all is well; red the moment anything needs action.
 */
export function StatusStrip({ onOpenAlerts }: { onOpenAlerts(): void }) {
  const now = useNow();
  const link = useSession((s) => s.link);
  const { heartbeatAt, consoleConnections, hubStats, bridge, logStats, throughput } = useHealth();
  const role = useSession((s) => s.operator?.role);
  // A role that may not list alerts (the auditor) gets no alert counts at all: a "0" it cannot know is a lie.
  const seesAlerts = mayCall(role, 'alerts.list');
  const critical = useAlerts((s) => countUnacknowledged(s.byId, 'critical'));
  const warnings = useAlerts((s) => countUnacknowledged(s.byId, 'warning'));

  const heartbeatFresh = heartbeatAt !== null && now - heartbeatAt < HEARTBEAT_STALE_MS;
  const hubLevel: Level = link !== 'up' ? 'bad' : heartbeatAt === null ? 'ok' : heartbeatFresh ? 'ok' : 'bad';
  const hubConnections = hubStats.state === 'ok' ? hubStats.value.connections : null;
  const live = link === 'up';
  const hubValue = !live ? link.toUpperCase() : hubLevel === 'bad' ? 'SILENT' : `up · ${formatNumber(hubConnections ?? consoleConnections ?? 0)} conn`;

  const cad = cadLinkOf(bridge);
  // No CAD configured is a set-up choice (a training console), not an outage.
  const cadConfigured = bridge.state === 'ok' && bridge.value.bridge.cad_url !== null;
  const cadLevel: Level = !cadConfigured ? 'idle' : cad === 'healthy' ? 'ok' : cad === 'degraded' ? 'warn' : 'bad';
  const cadValue = bridge.state === 'unavailable' ? 'n/a' : bridge.state !== 'ok' ? '—' : cadConfigured ? cad : 'not configured';

  const writeRate = logStats?.writeRate ?? null;
  // A log that stops reporting, or whose queue keeps growing, is not writing what devices send.
  const logStale = logStats !== null && now - logStats.at > LOG_STATS_STALE_MS;
  const logFailing = logStats !== null && (logStale || (logStats.queueDepth ?? 0) > LOG_QUEUE_ALARM);
  const logLevel: Level = logStats === null ? 'idle' : logFailing ? 'bad' : 'ok';

  const anyTrouble = hubLevel === 'bad' || cadLevel === 'bad' || logLevel === 'bad' || critical > 0;
  // Without a live link these cells would repeat the hub's last word as if it were current.
  const derived = (value: string, level: Level): [string, Level] => (live ? [value, level] : ['unknown', 'unknown']);
  const [cadShown, cadShownLevel] = derived(cadValue, cadLevel);
  const [logShown, logShownLevel] = derived(writeRate === null ? '—' : `${formatNumber(writeRate, 1)}/s`, logLevel);
  return (
    <header className={`strip${anyTrouble ? ' strip--trouble' : ''}`} data-testid="status-strip" data-trouble={anyTrouble ? '1' : '0'}>
      <Cell label="Hub" value={hubValue} level={hubLevel} testId="strip-hub">
        <Sparkline values={throughput} width={70} height={20} label="events per second" />
      </Cell>
      <Cell label="CAD link" value={cadShown} level={cadShownLevel} testId="strip-cad" />
      <Cell label="Log writes" value={logShown} level={logShownLevel} testId="strip-log" />
      {seesAlerts ? (
        <button type="button" className={`strip__cell strip__alerts strip__cell--${critical > 0 ? 'bad' : 'ok'}`} onClick={onOpenAlerts} data-testid="strip-alerts" aria-label={`${critical} critical and ${warnings} warning alerts unacknowledged`}>
          <span className="strip__label">Critical unack.</span>
          <span className="strip__value" data-testid="strip-critical">{critical}</span>
          <span className="strip__label">Warnings unack.</span>
          <span className={`strip__value${warnings > 0 ? ' strip__value--warn' : ' strip__value--calm'}`} data-testid="strip-warnings">
            {warnings}
          </span>
        </button>
      ) : (
        <div className="strip__cell strip__cell--idle strip__alerts" data-testid="strip-alerts" title="Alerts are for operators on duty; this role does not receive them.">
          <span className="strip__label">Alerts</span>
          <span className="strip__value">not shown to {role}</span>
        </div>
      )}
    </header>
  );
}
