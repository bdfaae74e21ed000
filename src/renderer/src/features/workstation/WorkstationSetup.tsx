import { useState, type FormEvent } from 'react';
import { desktop } from '../../lib/desktop';

/**
 * Asks on the desktop app's first start: does this workstation run the centre
 * (embedded, the default), or attach to the centre's Switchboard? The main
 * process checks an attached answer against the live centre (its certificate
 * pin) before keeping it; a refusal is shown here in the main process's words.
 * Used by `WorkstationForm` for an admin's later change too.
 */
export function WorkstationForm({ method, submitLabel, onDone }: { method: 'workstation.choose' | 'workstation.change'; submitLabel: string; onDone?(message: string): void }) {
  const [mode, setMode] = useState<'embedded' | 'attached'>('embedded');
  const [url, setUrl] = useState('https://');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const choice = mode === 'embedded' ? { mode } : { mode, url: url.trim(), ...(pin.trim() ? { pin: pin.trim() } : {}) };
    const result = await desktop.call(method, choice);
    setBusy(false);
    if (!result.ok) setError(result.error.message);
    else onDone?.(mode === 'embedded' ? 'This workstation runs the centre.' : `Attached to ${url.trim()}.`);
  };

  return (
    <form className="signin__card" onSubmit={submit} aria-label="Workstation mode" data-testid="workstation-form">
      <label className="workstation__option">
        <span>
          <input type="radio" name="mode" value="embedded" checked={mode === 'embedded'} onChange={() => setMode('embedded')} /> Run the centre on this workstation (embedded)
        </span>
      </label>
      <label className="workstation__option">
        <span>
          <input type="radio" name="mode" value="attached" checked={mode === 'attached'} onChange={() => setMode('attached')} /> Attach to the centre&apos;s Switchboard
        </span>
      </label>
      {mode === 'attached' ? (
        <>
          <label>
            Centre address
            <input name="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://switchboard.centre.local:8780" required />
          </label>
          <label>
            Certificate fingerprint (SHA-256, from <code>switchboard cert</code>; empty: trust the system&apos;s certificates)
            <input name="pin" value={pin} onChange={(e) => setPin(e.target.value)} placeholder="AA:BB:…" spellCheck={false} />
          </label>
        </>
      ) : null}
      {error ? (
        <p className="signin__error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        {busy ? 'Checking…' : submitLabel}
      </button>
    </form>
  );
}

export function WorkstationSetup() {
  const [done, setDone] = useState<string | null>(null);
  return (
    <main className="signin" data-testid="workstation-setup">
      <div>
        <h1>Switchboard: set up this workstation</h1>
        <p className="signin__sub">Chosen once; an admin can change it later (Workstation, in the console).</p>
        {done ? <p role="status">{done} Opening the console…</p> : <WorkstationForm method="workstation.choose" submitLabel="Start" onDone={setDone} />}
      </div>
    </main>
  );
}
