import type { Alert } from '../../../src/shared/contract/alerts';
import { RawSocketIo } from './clients';

export interface ConsoleWatch {
  /** alerts.list through the /console contract, as the browser calls it. */
  list(): Promise<Alert[]>;
  /** Alerts pushed to this console (alert.raised / alert.updated) since it connected. */
  pushed(): Alert[];
  /** The alert for `key`, pushed or listed. */
  find(key: string): Promise<Alert | undefined>;
  close(): void;
}

/**
 * A console session opened before a fault, the way a dispatcher's screen is:
 * signing in later may be impossible (the operator table is in the damaged
 * database), but an open console still receives and lists alerts.
 */
export async function watchConsole(url: string, operatorToken: string): Promise<ConsoleWatch> {
  const socket = await RawSocketIo.connect(url, { nsp: '/console', token: operatorToken, keepReceived: true });
  const watch: ConsoleWatch = {
    async list() {
      const [answer] = await socket.emit('call', 'alerts.list', {});
      const result = answer as { ok: boolean; value?: Alert[]; error?: { code: string; message: string } };
      if (!result.ok) throw new Error(`alerts.list refused: ${JSON.stringify(result.error)}`);
      return result.value ?? [];
    },
    pushed: () => socket.received.filter((m) => m.event === 'event' && /^alert\.(raised|updated)$/.test(String(m.args[0]))).map((m) => m.args[1] as Alert),
    async find(key) {
      return watch.pushed().find((a) => a.key === key) ?? (await watch.list()).find((a) => a.key === key);
    },
    close: () => socket.close()
  };
  return watch;
}
