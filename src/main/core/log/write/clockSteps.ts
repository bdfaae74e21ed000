import type { Logger } from 'pino';
import type { AlertCenter } from '../../alerts/alertCenter';
import { steadyClock, type ClockStep, type SteadyClock } from '../../clock';
import type { SocketLogWriter } from '../types';

/** Event type of the log row that records a wall-clock step (verify accepts a time step only after one). */
export const CLOCK_STEP_EVENT = 'clock_step';
/** How often the clock is read when no event does it, so a step on an idle system shows too. */
const IDLE_CHECK_MS = 1_000;

/**
 * Makes a wall-clock step visible: a chained row in the log (it must not be
 * hidden: the times around it are evidence), a system alert on the console and
 * a log line. The times themselves stay in order (clock.ts).
 */
export function watchClockSteps(deps: { writer: Pick<SocketLogWriter, 'createSocketLog'>; alerts: AlertCenter; logger: Logger; clock?: SteadyClock }): () => void {
  const clock = deps.clock ?? steadyClock;
  const onStep = (step: ClockStep) => {
    const minutes = Math.abs(step.stepMs) / 60_000;
    const size = minutes >= 1 ? `${minutes.toFixed(1)} min` : `${(Math.abs(step.stepMs) / 1000).toFixed(1)} s`;
    const message =
      step.direction === 'back'
        ? `The system clock stepped back ${size}. Log times stay in order: they run ${size} ahead of the clock and catch up slowly. Check the machine's time source (NTP).`
        : `The system clock jumped forward ${size} (a time correction, or the machine was suspended). Check the machine's time source (NTP).`;
    deps.logger.warn({ step }, message);
    deps.alerts.raise({
      key: 'system.clock-step',
      kind: 'system',
      severity: 'warning',
      title: step.direction === 'back' ? 'System clock stepped back' : 'System clock jumped forward',
      message,
      source: 'clock',
      data: { ...step }
    });
    deps.writer
      .createSocketLog({
        eventType: CLOCK_STEP_EVENT,
        socketId: 'system',
        userId: 'system',
        userRole: null,
        eventData: { direction: step.direction, step_ms: step.stepMs, expected_wall: new Date(step.expectedWall).toISOString(), observed_wall: new Date(step.observedWall).toISOString(), offset_ms: step.offsetMs },
        status: 'success',
        processed: true
      })
      .catch((err: unknown) => deps.logger.error({ err, step }, 'clock step not recorded in the socket log'));
  };
  const off = clock.onStep(onStep);
  const timer = setInterval(() => clock.now(), IDLE_CHECK_MS);
  timer.unref();
  return () => {
    off();
    clearInterval(timer);
  };
}
