/**
 * The critical-alert tone, synthesised with Web Audio (no audio files, nothing
 * to fetch). Browsers only start audio after a user gesture; sign-in is one.
 */
let context: AudioContext | null = null;

export function playCriticalTone(): void {
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume();
    const start = context.currentTime;
    // Two rising beeps: distinct from any operating-system sound.
    for (const [offset, freq] of [[0, 880], [0.28, 1175]] as const) {
      const osc = context.createOscillator();
      const gain = context.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.4, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.22);
      osc.connect(gain).connect(context.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.25);
    }
  } catch {
    // No audio device: the visual alarm still shows.
  }
}

/**
 * A desktop notification for a critical alert in a browser where the operator
 * allowed them. Electron's main process notifies natively
 * (src/main/window/criticalAlerts.ts), so the desktop app is not told twice.
 * `tag` keeps one notification per alert instead of a pile.
 */
export function notifyDesktop(title: string, body: string, tag: string): void {
  if (window.switchboard || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    new Notification(title, { body, tag, requireInteraction: true, silent: true });
  } catch {
    // Notifications unavailable on this desktop.
  }
}

/** Whether asking for notification permission makes sense (a browser that has not been asked yet). */
export const canAskForNotifications = () => !window.switchboard && typeof Notification !== 'undefined' && Notification.permission === 'default';
