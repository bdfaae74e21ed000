import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../shared/contract';
import { eventReachesRole } from '../../shared/contract/audience';
import { fail, type Result } from '../../shared/result';
import type { Revocation, RevocationStore } from '../core/auth/revocations';
import type { SessionAudit } from '../core/console/sessions';
import type { EventBus } from '../core/contract/bus';
import type { CallContext, CallOperator, ContractRegistry } from '../core/contract/registry';
import { revocationCovers } from '../core/hub/sessionGuard';
import type { ShellLog } from '../window/shellLog';
import { checkSender, type ConsoleWebContents, type InvokeEventLike } from './trustedSender';

/** The parts of Electron's ipcMain the registrar uses (tests pass a fake). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface ConsoleIpcDeps {
  ipcMain: IpcMainLike;
  api: Pick<ContractRegistry, 'invoke'>;
  bus: Pick<EventBus, 'onAny'>;
  isTrustedUrl(url: string): boolean;
  log: ShellLog;
  /** Revoked tokens and subjects: a window's session ends the moment its token is covered. */
  revocations: Pick<RevocationStore, 'isRevoked' | 'onRevoked'>;
  /** The access log, for the session each window loses (as the /console namespace writes it). */
  audit(entry: SessionAudit): void;
  /** How often open sessions are checked for expiry. */
  checkEveryMs?: number;
}

export interface ConsoleIpc {
  /** Makes a console window's webContents a trusted caller and an event receiver. */
  attach(contents: ConsoleWebContents): void;
  /** The operator signed in on that webContents, with its token's id and times, if any. */
  sessionOf(contentsId: number): CallOperator | null;
  dispose(): void;
}

type Ending = { reason: 'revoked' | 'expired'; message: string; detail: Record<string, unknown> };

const isExpired = (operator: CallOperator, now = Date.now()) => operator.token !== undefined && operator.token.exp * 1000 <= now;
const isRevoked = (deps: ConsoleIpcDeps, operator: CallOperator) =>
  operator.token !== undefined && deps.revocations.isRevoked({ jti: operator.token.jti, iat: operator.token.iat, identity: { sub: operator.username, role: operator.role } });

/** A method name fit for a log line, whatever the page sent (String() can throw on hostile objects). */
const describeMethod = (method: unknown) => (typeof method === 'string' ? method.slice(0, 64) : `<${typeof method}>`);

/**
 * The one guarded registrar for Electron IPC. Every call arrives on one
 * channel, is checked for a trusted sender, then goes through the same
 * `api.invoke` (schema parse, role check, Result) as the `/console` namespace.
 * The operator session lives here in the main process, per webContents, so a
 * compromised page cannot claim a role it did not sign in as. Like a /console
 * socket, a session ends the moment its token is revoked (sign-out elsewhere, a
 * disabled operator) or expires: the window is told (auth.sessionEnded), the
 * access log says why, and every call re-checks first.
 */
export function registerConsoleIpc(deps: ConsoleIpcDeps): ConsoleIpc {
  const attached = new Map<number, ConsoleWebContents>();
  const sessions = new Map<number, CallOperator | null>();

  const endSession = (contentsId: number, ending: Ending) => {
    const operator = sessions.get(contentsId);
    if (!operator) return;
    sessions.set(contentsId, null);
    const outcome = ending.reason === 'expired' ? 'sessionExpired' : 'sessionRevoked';
    deps.audit({ actor: operator.username, role: operator.role, outcome, transport: 'ipc', ip: null, detail: { jti: operator.token?.jti, ...ending.detail } });
    deps.log.info({ user: operator.username, outcome }, 'console session ended');
    const contents = attached.get(contentsId);
    if (!contents || contents.isDestroyed()) return;
    try {
      contents.send(IPC_EVENT_CHANNEL, 'auth.sessionEnded', { reason: ending.reason, message: ending.message });
    } catch (err) {
      deps.log.warn({ err }, 'IPC session end not delivered');
    }
  };
  const REVOKED: Omit<Ending, 'detail'> = { reason: 'revoked', message: 'Your session was ended by an administrator or a sign-out elsewhere. Sign in again.' };
  const EXPIRED: Omit<Ending, 'detail'> = { reason: 'expired', message: 'Your session expired. Sign in again.' };

  deps.ipcMain.handle(IPC_CALL_CHANNEL, async (event, method, input): Promise<Result<unknown>> => {
    const verdict = checkSender(event, attached, deps.isTrustedUrl);
    if (!verdict.trusted) {
      deps.log.warn(
        { reason: verdict.reason, method: describeMethod(method), url: event.senderFrame?.url.slice(0, 200) },
        'IPC call from untrusted sender refused'
      );
      return fail('UNTRUSTED_SENDER', 'This call did not come from the Switchboard console window, so it was refused.');
    }
    if (typeof method !== 'string') {
      deps.log.warn({ method: describeMethod(method) }, 'IPC call rejected');
      return fail('UNKNOWN_METHOD', 'A console method name must be a string.');
    }
    const contentsId = event.sender.id;
    const current = sessions.get(contentsId);
    if (current && isExpired(current)) endSession(contentsId, { ...EXPIRED, detail: { at: 'call', exp: current.token?.exp } });
    else if (current && isRevoked(deps, current)) endSession(contentsId, { ...REVOKED, detail: { at: 'call' } });
    const ctx: CallContext = {
      operator: sessions.get(contentsId) ?? null,
      transport: 'ipc',
      setSession: (operator) => {
        if (attached.has(contentsId)) sessions.set(contentsId, operator);
      }
    };
    try {
      const result = await deps.api.invoke(method, input, ctx);
      if (!result.ok && (result.error.code === 'VALIDATION_FAILED' || result.error.code === 'UNKNOWN_METHOD')) {
        deps.log.warn({ method: describeMethod(method), error: result.error }, 'IPC call rejected');
      }
      return result;
    } catch (err) {
      // invoke() is built not to throw; this is the last line so IPC never rejects.
      deps.log.error({ err, method: describeMethod(method) }, 'IPC call failed');
      return fail('INTERNAL', 'Internal error; it has been logged.');
    }
  });

  const offBus = deps.bus.onAny(({ event, payload }) => {
    for (const [id, contents] of attached) {
      const operator = sessions.get(id);
      if (!operator || !eventReachesRole(event, operator.role) || contents.isDestroyed()) continue;
      try {
        contents.send(IPC_EVENT_CHANNEL, event, payload);
      } catch (err) {
        // A window closing mid-send must not stop delivery to the others.
        deps.log.warn({ err, event }, 'IPC event not delivered');
      }
    }
  });

  const stopRevocations = deps.revocations.onRevoked((r: Revocation) => {
    for (const [id, operator] of sessions) {
      if (operator?.token && revocationCovers(r, { sub: operator.username, role: operator.role }, operator.token)) {
        endSession(id, { ...REVOKED, detail: { revoked: r.kind, by: r.revokedBy, reason: r.reason } });
      }
    }
  });
  const expiry = setInterval(() => {
    const now = Date.now();
    for (const [id, operator] of sessions) {
      if (operator && isExpired(operator, now)) endSession(id, { ...EXPIRED, detail: { exp: operator.token?.exp } });
    }
  }, deps.checkEveryMs ?? 1_000);
  expiry.unref?.();

  return {
    attach(contents) {
      attached.set(contents.id, contents);
      sessions.set(contents.id, null);
      // A reload or new page starts signed out: the page that signed in is gone.
      contents.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) sessions.set(contents.id, null);
      });
      contents.once('destroyed', () => {
        attached.delete(contents.id);
        sessions.delete(contents.id);
      });
    },
    sessionOf: (id) => sessions.get(id) ?? null,
    dispose() {
      offBus();
      stopRevocations();
      clearInterval(expiry);
      deps.ipcMain.removeHandler(IPC_CALL_CHANNEL);
      attached.clear();
      sessions.clear();
    }
  };
}
