import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useAlerts } from '../../stores/alertsStore';
import { useDispatch } from '../../stores/dispatchStore';
import { complete, parseCommand, type Picture } from './commands';
import { runCommand, type CommandOutcome } from './runCommand';

/** The id of the command line input, which the F2 shortcut focuses from anywhere. */
export const COMMAND_LINE_ID = 'dispatch-command';

function usePicture(): Picture {
  const units = useDispatch((s) => s.units);
  const incidents = useDispatch((s) => s.incidents);
  const byId = useAlerts((s) => s.byId);
  return useMemo(() => ({ units, incidents, alerts: Object.values(byId) }), [units, incidents, byId]);
}

/**
 * A command line in the manner of CAD consoles (F2 from anywhere): Tab or the
 * arrow keys pick a completion, Enter runs the command, Escape clears it, and
 * the arrow keys with an empty line walk back through earlier commands.
 */
export function CommandLine() {
  const picture = usePicture();
  const [text, setText] = useState('');
  const [choice, setChoice] = useState(0);
  const [outcome, setOutcome] = useState<CommandOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const history = useRef<string[]>([]);
  const historyAt = useRef(-1);
  const input = useRef<HTMLInputElement>(null);
  const completions = useMemo(() => (text.trim() ? complete(text, picture) : []), [text, picture]);
  useEffect(() => setChoice(0), [text]);

  const run = async () => {
    const parsed = parseCommand(text, picture);
    if (!parsed.ok) {
      setOutcome({ ok: false, message: parsed.error });
      return;
    }
    setBusy(true);
    history.current = [text.trim(), ...history.current.filter((h) => h !== text.trim())].slice(0, 50);
    historyAt.current = -1;
    const result = await runCommand(parsed.command);
    setBusy(false);
    setOutcome(result);
    if (result.ok) setText('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const pick = completions[choice];
    if (e.key === 'Tab' && pick) {
      e.preventDefault();
      setText(pick.text);
    } else if (e.key === 'ArrowDown' && completions.length) {
      e.preventDefault();
      setChoice((c) => (c + 1) % completions.length);
    } else if (e.key === 'ArrowUp' && completions.length) {
      e.preventDefault();
      setChoice((c) => (c - 1 + completions.length) % completions.length);
    } else if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && history.current.length) {
      e.preventDefault();
      historyAt.current = Math.max(-1, Math.min(history.current.length - 1, historyAt.current + (e.key === 'ArrowUp' ? 1 : -1)));
      setText(historyAt.current < 0 ? '' : history.current[historyAt.current]!);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      void run();
    } else if (e.key === 'Escape') {
      setText('');
      setOutcome(null);
    }
  };

  return (
    <div className="cmd" data-testid="command-line">
      <label className="cmd__prompt" htmlFor={COMMAND_LINE_ID} title="F2 focuses the command line from anywhere">
        F2 &gt;
      </label>
      <input
        id={COMMAND_LINE_ID}
        ref={input}
        className="cmd__input"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder="A m14 17 · S m14 oos · ACK · F harbor · NEW 2 Fall / 12 Pine St · NOTE 17 text"
        aria-label="Command"
        aria-autocomplete="list"
        aria-controls="dispatch-command-completions"
        autoComplete="off"
        spellCheck={false}
        // Read-only, not disabled, while a command runs: a disabled input drops the keyboard focus.
        readOnly={busy}
        aria-busy={busy}
      />
      {completions.length ? (
        <ul className="cmd__completions" id="dispatch-command-completions" role="listbox" data-testid="command-completions">
          {completions.map((c, i) => (
            <li key={c.text} role="option" aria-selected={i === choice} className={i === choice ? 'cmd__choice--active' : ''} onMouseDown={(e) => (e.preventDefault(), setText(c.text), input.current?.focus())}>
              <strong>{c.label}</strong> {c.detail ? <span className="muted">{c.detail}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {outcome ? (
        <p className={`cmd__outcome ${outcome.ok ? 'ok-text' : 'bad-text'}`} role="status" data-testid="command-outcome" data-ok={outcome.ok ? '1' : '0'}>
          {outcome.message}
        </p>
      ) : null}
    </div>
  );
}
