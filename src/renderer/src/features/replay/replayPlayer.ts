import { create } from 'zustand';
import type { ReplayChange, TimelineMark } from '../../../../shared/contract/replay';
import { api } from '../../lib/api';
import { applyChanges, showHeld, showPicture, useReplayRoom } from './replayStore';

export const SPEEDS = [1, 2, 5, 10, 30, 60] as const;
const MINUTE = 60_000;
/** The most one `replay.events` call may cover (the core's limit). */
const MAX_FETCH_MS = 15 * MINUTE;

interface Player {
  /** The replayed moment (ms); 0 before the first seek. */
  at: number;
  playing: boolean;
  speed: (typeof SPEEDS)[number];
  loading: boolean;
  error: string | null;
  /** Changes fetched ahead of the moment, oldest first, and how far they reach. */
  buffer: ReplayChange[];
  loadedUntil: number;
  timeline: { from: number; to: number; marks: TimelineMark[]; truncated: boolean } | null;
  seek(at: number): Promise<void>;
  play(): void;
  pause(): void;
  setSpeed(speed: Player['speed']): void;
  step(): Promise<void>;
  loadTimeline(from: number, to: number): Promise<void>;
}

let frame: number | null = null;
let fetching: Promise<void> | null = null;
let seekSerial = 0;

/** Fetches the changes after what is buffered (one range at a time). */
function fetchAhead(spanMs: number): Promise<void> {
  fetching ??= (async () => {
    const { loadedUntil } = useReplayPlayer.getState();
    const serial = seekSerial;
    const to = Math.min(loadedUntil + spanMs, loadedUntil + MAX_FETCH_MS);
    const result = await api.call('replay.events', { from: loadedUntil, to });
    if (serial !== seekSerial) return;
    if (!result.ok) return useReplayPlayer.setState({ error: result.error.message, playing: false });
    const { changes, truncated, chain } = result.value;
    const reached = truncated && changes.length ? Date.parse(changes.at(-1)!.at) : to;
    // Changes at the range's start were applied already (the seek included them).
    const fresh = changes.filter((c) => Date.parse(c.at) > loadedUntil);
    useReplayPlayer.setState((s) => ({ buffer: [...s.buffer, ...fresh], loadedUntil: reached }));
    if (!chain.ok) useReplayRoom.setState({ chain });
  })().finally(() => {
    fetching = null;
  });
  return fetching;
}

function tick(last: number) {
  frame = requestAnimationFrame((now) => {
    const s = useReplayPlayer.getState();
    if (!s.playing) return;
    const wanted = s.at + (now - last) * s.speed;
    // Never run past what is loaded: wait for the next range instead of showing an empty stretch as if nothing happened.
    const at = Math.min(wanted, s.loadedUntil);
    const due: ReplayChange[] = [];
    let i = 0;
    while (i < s.buffer.length && Date.parse(s.buffer[i]!.at) <= at) due.push(s.buffer[i++]!);
    useReplayPlayer.setState({ at, buffer: i ? s.buffer.slice(i) : s.buffer });
    applyChanges(due, at, { paced: true });
    if (s.loadedUntil - at < s.speed * 10_000 && at < Date.now()) void fetchAhead(Math.max(s.speed * 30_000, MINUTE));
    tick(now);
  });
}

/** The replay's controls: a moment, play/pause at 1x-60x, stepping, and the timeline's marks. */
export const useReplayPlayer = create<Player>((set, get) => ({
  at: 0,
  playing: false,
  speed: 1,
  loading: false,
  error: null,
  buffer: [],
  loadedUntil: 0,
  timeline: null,
  async seek(at) {
    seekSerial += 1;
    const serial = seekSerial;
    set({ loading: true, error: null, at, buffer: [], loadedUntil: at });
    const result = await api.call('replay.at', { at: Math.round(at) });
    if (serial !== seekSerial) return;
    if (!result.ok) return set({ loading: false, error: result.error.message, playing: false });
    showPicture(result.value);
    set({ loading: false });
  },
  play() {
    if (get().playing || !get().at) return;
    set({ playing: true });
    if (frame !== null) cancelAnimationFrame(frame);
    tick(performance.now());
  },
  pause() {
    set({ playing: false });
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null;
    // A paused picture is whole: nothing held back.
    showHeld();
  },
  setSpeed(speed) {
    set({ speed });
  },
  async step() {
    get().pause();
    if (!get().buffer.length) await fetchAhead(MAX_FETCH_MS);
    const [next, ...rest] = get().buffer;
    if (!next) return set({ error: 'Nothing happened in the 15 minutes after this moment.' });
    const at = Date.parse(next.at);
    set({ at, buffer: rest, error: null });
    applyChanges([next], at);
  },
  async loadTimeline(from, to) {
    const result = await api.call('replay.timeline', { from: Math.round(from), to: Math.round(to) });
    if (!result.ok) return set({ error: result.error.message });
    set({ timeline: { from, to, marks: result.value.marks, truncated: result.value.truncated } });
  }
}));
