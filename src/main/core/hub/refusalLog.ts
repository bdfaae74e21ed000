import type { NewSocketLog } from '../log/types';
import type { HubTransport } from './registry';

/** A user agent is attacker-chosen text: the log keeps enough of it to recognise a client, no more. */
const USER_AGENT_CHARS = 120;
/** Distinct addresses tracked per window; past it, refusals from new addresses share one row. */
const MAX_ADDRESSES = 1_000;
const OVERFLOW_ADDRESS = '*';

interface Window {
  count: number;
  codes: Record<string, number>;
  transports: Record<string, number>;
  lastMessage: string;
  userAgent: string | null;
}

export interface RefusalLog {
  /** Records one refused connection; the first from an address in a window is written at once, the rest are counted. */
  refused(transport: HubTransport, code: string, message: string, meta: { ip?: string | null; userAgent?: string | null }): void;
  /** Writes the counted refusals as one row per address (called every window, and on close). */
  flush(): void;
  close(): void;
}

/**
 * Refused connections go into the tamper-evident log, but each anonymous
 * attempt costs an fsynced row: a flood of them would be a cheap way to fill
 * the disk and stall the log. So the first refusal from an address in each
 * window gets its own row (an auditor sees it at once) and the rest of that
 * window's refusals from the address become one row with a count.
 */
export function createRefusalLog(write: (row: NewSocketLog) => void, windowMs = 60_000): RefusalLog {
  let windows = new Map<string, Window>();
  const row = (ip: string, w: Window, aggregated: boolean): NewSocketLog => ({
    eventType: 'connect',
    socketId: aggregated ? 'refused:aggregate' : `refused:${Object.keys(w.transports)[0] ?? 'unknown'}`,
    eventData: aggregated ? { refusals: w.count, codes: w.codes, transports: w.transports, window_ms: windowMs } : { transport: Object.keys(w.transports)[0], code: Object.keys(w.codes)[0] },
    status: 'failed',
    errorMessage: aggregated ? `${w.count} more refused connections from this address within a minute (last: ${w.lastMessage})` : w.lastMessage,
    processed: true,
    ipAddress: ip === OVERFLOW_ADDRESS ? null : ip,
    userAgent: w.userAgent
  });
  const flush = () => {
    const done = windows;
    windows = new Map();
    for (const [ip, w] of done) if (w.count > 0) write(row(ip, w, true));
  };
  const timer = setInterval(flush, windowMs);
  timer.unref();
  return {
    refused(transport, code, message, meta) {
      let ip = meta.ip ?? 'unknown';
      let w = windows.get(ip);
      if (!w && windows.size >= MAX_ADDRESSES) {
        ip = OVERFLOW_ADDRESS;
        w = windows.get(ip);
      }
      const userAgent = meta.userAgent ? meta.userAgent.slice(0, USER_AGENT_CHARS) : null;
      if (!w) {
        windows.set(ip, { count: 0, codes: {}, transports: {}, lastMessage: message, userAgent });
        write(row(ip, { count: 1, codes: { [code]: 1 }, transports: { [transport]: 1 }, lastMessage: message, userAgent }, false));
        return;
      }
      w.count += 1;
      w.codes[code] = (w.codes[code] ?? 0) + 1;
      w.transports[transport] = (w.transports[transport] ?? 0) + 1;
      w.lastMessage = message.slice(0, 200);
      w.userAgent = userAgent;
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
    }
  };
}
