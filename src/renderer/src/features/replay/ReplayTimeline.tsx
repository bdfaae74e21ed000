import { useLayoutEffect, useMemo, useRef, useState, type PointerEvent, type RefObject } from 'react';
import type { TimelineMark } from '../../../../shared/contract/replay';
import { formatDateTime } from '../../lib/format';
import { useReplayPlayer } from './replayPlayer';

const MARK_LABEL: Record<TimelineMark['kind'], string> = {
  incident: 'Incident',
  alert: 'Critical alert',
  assignment: 'Assignment',
  cad_down: 'CAD link down',
  cad_up: 'CAD link back',
  stale: 'Device stale',
  hub_start: 'Core started',
  resync: 'CAD resync',
  tamper: 'Tampered row'
};

/**
 * The cursor at the replayed moment, on its own: the moment moves on every frame while playing, and
 * re-rendering the timeline with it reconciled every mark each frame. The cursor is its own compositor
 * layer (styles.css), so moving it does not repaint the marks; the slider's value is set on the bar here.
 */
function TimelineCursor({ bar, from, span, dragAt }: { bar: RefObject<HTMLDivElement | null>; from: number; span: number; dragAt: number | null }) {
  const at = useReplayPlayer((s) => s.at);
  const shown = dragAt ?? at;
  useLayoutEffect(() => {
    bar.current?.setAttribute('aria-valuenow', String(shown));
    bar.current?.setAttribute('aria-valuetext', formatDateTime(new Date(shown).toISOString()));
  }, [bar, shown]);
  if (!shown) return null;
  return <span className="replay-timeline__cursor" style={{ left: `${Math.min(100, Math.max(0, ((shown - from) / span) * 100))}%` }} />;
}

/**
 * The scrubbable timeline: marks where things happened, a cursor at the
 * replayed moment. Dragging moves the cursor; letting go replays that moment.
 */
export function ReplayTimeline() {
  const timeline = useReplayPlayer((s) => s.timeline);
  const seek = useReplayPlayer((s) => s.seek);
  const bar = useRef<HTMLDivElement>(null);
  const [dragAt, setDragAt] = useState<number | null>(null);
  // Built once per timeline: the cursor moves on every frame while playing, and thousands of marks
  // (each with its formatted title) re-rendered with it took the frame's whole budget.
  const marks = useMemo(() => {
    if (!timeline) return null;
    const span = Math.max(1, timeline.to - timeline.from);
    return timeline.marks.map((m) => (
      <span
        key={`${m.log_id}-${m.kind}-${m.label}`}
        className={`replay-mark replay-mark--${m.kind}`}
        style={{ left: `${Math.min(100, Math.max(0, ((Date.parse(m.at) - timeline.from) / span) * 100))}%` }}
        title={`${formatDateTime(m.at)} · ${MARK_LABEL[m.kind]}: ${m.label}`}
        data-kind={m.kind}
      />
    ));
  }, [timeline]);
  if (!timeline) return <div className="replay-timeline replay-timeline--empty">Choose a moment to see its timeline.</div>;
  const span = Math.max(1, timeline.to - timeline.from);
  const momentAt = (e: PointerEvent) => {
    const box = bar.current!.getBoundingClientRect();
    return timeline.from + Math.min(1, Math.max(0, (e.clientX - box.left) / box.width)) * span;
  };
  return (
    <div className="replay-timeline" data-testid="replay-timeline">
      <div
        ref={bar}
        className="replay-timeline__bar"
        role="slider"
        aria-label="Replayed moment"
        aria-valuemin={timeline.from}
        aria-valuemax={timeline.to}
        tabIndex={0}
        onPointerDown={(e) => {
          bar.current?.setPointerCapture(e.pointerId);
          setDragAt(momentAt(e));
        }}
        onPointerMove={(e) => {
          if (dragAt !== null) setDragAt(momentAt(e));
        }}
        onPointerUp={(e) => {
          const target = momentAt(e);
          setDragAt(null);
          void seek(target);
        }}
      >
        {marks}
        <TimelineCursor bar={bar} from={timeline.from} span={span} dragAt={dragAt} />
      </div>
      <div className="replay-timeline__ends">
        <span>{formatDateTime(new Date(timeline.from).toISOString())}</span>
        <span className="replay-timeline__legend">
          {(['incident', 'assignment', 'alert', 'cad_down', 'stale', 'hub_start'] as const).map((k) => (
            <span key={k}>
              <span className={`replay-mark replay-mark--${k} replay-mark--legend`} /> {MARK_LABEL[k]}
            </span>
          ))}
          {timeline.truncated ? <em> (marks cut at 5,000: narrow the range)</em> : null}
        </span>
        <span>{formatDateTime(new Date(timeline.to).toISOString())}</span>
      </div>
    </div>
  );
}
