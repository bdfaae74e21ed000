import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ReplayClock } from '../../components/useNow';
import { DispatchScope } from '../../stores/dispatchScope';
import { formatDateTime } from '../../lib/format';
import { BoardView } from '../boards/BoardView';
import { MapView } from '../map/MapView';
import { IncidentReportView } from './IncidentReportView';
import { ReplayRoomPanel } from './ReplayRoomPanel';
import { ReplayTimeline } from './ReplayTimeline';
import { SPEEDS, useReplayPlayer } from './replayPlayer';
import { replayDispatch, useReplayRoom } from './replayStore';

const HOUR = 3_600_000;
const SPANS = [
  { label: '15 min', ms: HOUR / 4 },
  { label: '1 hour', ms: HOUR },
  { label: '6 hours', ms: 6 * HOUR },
  { label: '24 hours', ms: 24 * HOUR }
];

/** `datetime-local` speaks local time without a zone. */
const toLocalInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 23);
};

/** The warning no one can miss: the log this picture comes from does not verify. */
function ChainBanner() {
  const chain = useReplayRoom((s) => s.chain);
  if (!chain || chain.ok) return null;
  return (
    <div className="replay-chain-broken" role="alert" data-testid="replay-chain-broken">
      <strong>CHAIN BROKEN: this replay rests on log rows that were altered.</strong> {chain.first_bad?.reason} (rows {chain.from_id}–{chain.to_id} checked)
    </div>
  );
}

function ReplayControls() {
  // Not the moment itself: it moves on every frame while playing, and these controls need only whether there is one.
  const at = useReplayPlayer((s) => s.at !== 0);
  const { playing, speed, loading, error, seek, play, pause, setSpeed, step, loadTimeline } = useReplayPlayer(
    useShallow((s) => ({ playing: s.playing, speed: s.speed, loading: s.loading, error: s.error, seek: s.seek, play: s.play, pause: s.pause, setSpeed: s.setSpeed, step: s.step, loadTimeline: s.loadTimeline }))
  );
  const [moment, setMoment] = useState(() => toLocalInput(Date.now() - 10 * 60_000));
  const [span, setSpan] = useState(HOUR);
  const go = (ms: number) => {
    void seek(ms);
    void loadTimeline(ms - span / 2, Math.min(Date.now(), ms + span / 2));
  };
  return (
    <div className="replay-controls no-print">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          go(new Date(moment).getTime());
        }}
      >
        <label>
          Moment <input type="datetime-local" step={0.001} value={moment} onChange={(e) => setMoment(e.target.value)} data-testid="replay-moment" />
        </label>
        <label>
          Timeline{' '}
          <select value={span} onChange={(e) => setSpan(Number(e.target.value))}>
            {SPANS.map((s) => (
              <option key={s.ms} value={s.ms}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="replay-go">
          Replay
        </button>
      </form>
      <div className="replay-controls__play">
        <button type="button" onClick={playing ? pause : play} disabled={!at} data-testid="replay-play">
          {playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={() => void step()} disabled={!at} data-testid="replay-step">
          Next event
        </button>
        <label>
          Speed{' '}
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value) as (typeof SPEEDS)[number])} data-testid="replay-speed">
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}x
              </option>
            ))}
          </select>
        </label>
        {loading ? <span className="muted">Rebuilding from the log…</span> : null}
        {error ? <span className="replay-error">{error}</span> : null}
      </div>
    </div>
  );
}

/**
 * Replay mode: the control room at a past moment, rebuilt from the socket log,
 * in the console's own map and boards. A banner and a frame of a colour the live
 * console never uses say it is not live; every control in it is switched off.
 */
/** How often the views' clock (their timers) follows the replayed moment while playing, ms of real time. */
const CLOCK_EVERY_MS = 250;

/** The replayed moment in the banner: its own component, since it changes every frame while playing. */
function ReplayMoment() {
  const at = useReplayPlayer((s) => s.at);
  return <span className="replay-banner__at" data-testid="replay-at">{at ? formatDateTime(new Date(at).toISOString()) : 'choose a moment'}</span>;
}

/**
 * The map and boards at the replayed moment. At 60x the moment moves on every
 * frame: re-rendering the views (and every timer in them) on each would take
 * the frame's whole budget, so their clock follows it a few times a second;
 * the map's units move as their changes are applied, frame by frame.
 */
function ReplayFrame({ tab }: { tab: 'map' | 'board' }) {
  const shown = useReplayRoom((s) => s.at);
  const [clock, setClock] = useState(shown);
  const last = useRef(0);
  useEffect(() => {
    const wait = last.current + CLOCK_EVERY_MS - performance.now();
    if (wait <= 0) {
      last.current = performance.now();
      setClock(shown);
      return undefined;
    }
    const timer = setTimeout(() => {
      last.current = performance.now();
      setClock(shown);
    }, wait);
    return () => clearTimeout(timer);
  }, [shown]);
  return (
    <div className="replay-frame" data-testid="replay-frame" data-replay-at={clock ? new Date(clock).toISOString() : ''}>
      <DispatchScope store={replayDispatch}>
        <ReplayClock.Provider value={clock || null}>
          <fieldset className="replay-frame__views" disabled data-testid="replay-readonly">
            {tab === 'map' ? <MapView /> : <BoardView />}
          </fieldset>
          <ReplayRoomPanel />
        </ReplayClock.Provider>
      </DispatchScope>
    </div>
  );
}

/**
 * Replay mode: the control room at a past moment, rebuilt from the socket log,
 * in the console's own map and boards. A banner and a frame of a colour the live
 * console never uses say it is not live; every control in it is switched off.
 */
export function ReplayView() {
  const keyframe = useReplayRoom((s) => s.keyframe);
  const [tab, setTab] = useState<'map' | 'board' | 'report'>('map');
  useEffect(() => () => useReplayPlayer.getState().pause(), []);
  return (
    <section className="replay" aria-label="Replay" data-testid="replay-view">
      <div className="replay-banner no-print" data-testid="replay-banner">
        <span className="replay-banner__title">REPLAY · NOT LIVE · READ-ONLY</span>
        <ReplayMoment />
        {keyframe ? <span className="replay-banner__kf">rebuilt from the keyframe of {formatDateTime(keyframe.at)} and the log after it</span> : null}
      </div>
      <ChainBanner />
      <ReplayControls />
      <ReplayTimeline />
      <nav className="replay-tabs no-print">
        {(['map', 'board', 'report'] as const).map((t) => (
          <button key={t} type="button" className={`nav__item${t === tab ? ' nav__item--active' : ''}`} onClick={() => setTab(t)} data-replay-tab={t}>
            {t === 'map' ? 'Map' : t === 'board' ? 'Incidents & units' : 'Incident report'}
          </button>
        ))}
      </nav>
      {tab === 'report' ? <IncidentReportView /> : <ReplayFrame tab={tab} />}
    </section>
  );
}
