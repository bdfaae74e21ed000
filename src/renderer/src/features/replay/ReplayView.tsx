import { useEffect, useState } from 'react';
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
  const { at, playing, speed, loading, error, seek, play, pause, setSpeed, step, loadTimeline } = useReplayPlayer();
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
export function ReplayView() {
  const at = useReplayPlayer((s) => s.at);
  const keyframe = useReplayRoom((s) => s.keyframe);
  const shown = useReplayRoom((s) => s.at);
  const [tab, setTab] = useState<'map' | 'board' | 'report'>('map');
  useEffect(() => () => useReplayPlayer.getState().pause(), []);
  return (
    <section className="replay" aria-label="Replay" data-testid="replay-view" data-replay-at={shown ? new Date(shown).toISOString() : ''}>
      <div className="replay-banner no-print" data-testid="replay-banner">
        <span className="replay-banner__title">REPLAY · NOT LIVE · READ-ONLY</span>
        <span className="replay-banner__at" data-testid="replay-at">{at ? formatDateTime(new Date(at).toISOString()) : 'choose a moment'}</span>
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
      {tab === 'report' ? (
        <IncidentReportView />
      ) : (
        <div className="replay-frame" data-testid="replay-frame">
          <DispatchScope store={replayDispatch}>
            <ReplayClock.Provider value={shown || null}>
              <fieldset className="replay-frame__views" disabled data-testid="replay-readonly">
                {tab === 'map' ? <MapView /> : <BoardView />}
              </fieldset>
              <ReplayRoomPanel />
            </ReplayClock.Provider>
          </DispatchScope>
        </div>
      )}
    </section>
  );
}
