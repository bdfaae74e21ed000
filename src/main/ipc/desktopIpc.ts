import type { LinkState, ResyncReason } from '../../shared/contract/consoleLink';
import { desktopMethods, IPC_DESKTOP_CHANNEL, IPC_LINK_CHANNEL, IPC_LINK_STATE_CHANNEL, isDesktopMethod, type DesktopMethod, type LinkNotice } from '../../shared/desktop';
import { fail, type Result } from '../../shared/result';
import type { OperatorRole } from '../../shared/roles';
import type { ShellLog } from '../window/shellLog';
import type { IpcMainLike } from './consoleIpc';
import { checkSender, type ConsoleWebContents } from './trustedSender';

const REFUSALS = new Set(['VALIDATION_FAILED', 'PIN_MISMATCH', 'INSECURE_URL', 'TLS_UNREACHABLE']);

/** Where the windows' link state comes from: the attached link, or nothing (embedded: IPC to our own core is always up). */
export interface LinkSource {
  state(): LinkState;
  onState(listener: (state: LinkState) => void): () => void;
  onResync(listener: (reason: ResyncReason) => void): () => void;
}

export type DesktopHandlers = {
  [M in DesktopMethod]: (input: ReturnType<(typeof desktopMethods)[M]['input']['parse']>, contents: ConsoleWebContents) => Promise<unknown> | unknown;
};

export interface DesktopIpcDeps {
  ipcMain: IpcMainLike;
  isTrustedUrl(url: string): boolean;
  /** The operator signed in on a window (consoleIpc's sessions): admin-only methods need an admin. */
  roleOf(contentsId: number): OperatorRole | null;
  link: LinkSource | null;
  handlers: Partial<DesktopHandlers>;
  log: ShellLog;
}

export interface DesktopIpc {
  attach(contents: ConsoleWebContents): void;
  dispose(): void;
}

/**
 * The desktop shell's own calls (desktop.ts) and the link state every window
 * shows, behind the same guard as the contract: only the main frame of a
 * console window we created, showing our own page, is answered; the method
 * name and input are parsed; admin-only methods check the window's operator.
 */
export function registerDesktopIpc(deps: DesktopIpcDeps): DesktopIpc {
  const attached = new Map<number, ConsoleWebContents>();

  const refuse = (reason: string, method: unknown): Result<never> => {
    deps.log.warn({ reason, method: typeof method === 'string' ? method.slice(0, 64) : typeof method }, 'desktop IPC call refused');
    return fail('UNTRUSTED_SENDER', 'This call did not come from the Switchboard console window, so it was refused.');
  };

  deps.ipcMain.handle(IPC_DESKTOP_CHANNEL, async (event, method, input): Promise<Result<unknown>> => {
    const verdict = checkSender(event, attached, deps.isTrustedUrl);
    if (!verdict.trusted) return refuse(verdict.reason, method);
    if (!isDesktopMethod(method)) return fail('UNKNOWN_METHOD', 'Unknown desktop method.');
    const spec = desktopMethods[method];
    const parsed = spec.input.safeParse(input);
    if (!parsed.success) return fail('VALIDATION_FAILED', `${method}: ${parsed.error.issues[0]?.message ?? 'invalid input'}`);
    if (spec.admin && deps.roleOf(event.sender.id) !== 'admin') {
      return fail('FORBIDDEN', `Only an admin signed in on this workstation may change its settings (${method}).`);
    }
    const handler = deps.handlers[method] as ((input: unknown, contents: ConsoleWebContents) => unknown) | undefined;
    if (!handler) return fail('NOT_IMPLEMENTED', `${method} is not available now.`);
    try {
      return { ok: true, value: (await handler(parsed.data, event.sender)) ?? null };
    } catch (err) {
      const coded = err as { code?: unknown; message?: string };
      deps.log.warn({ err, method }, 'desktop IPC call failed');
      // A refusal the operator can act on (a wrong pin, an http URL on a network) keeps its sentence.
      if (typeof coded.code === 'string' && REFUSALS.has(coded.code)) return fail('VALIDATION_FAILED', coded.message ?? 'refused');
      return fail('UNAVAILABLE', `${method} failed: ${coded.message ?? 'unknown error'}`);
    }
  });

  deps.ipcMain.handle(IPC_LINK_CHANNEL, async (event): Promise<LinkState | null> => {
    if (!checkSender(event, attached, deps.isTrustedUrl).trusted) return null;
    return deps.link ? deps.link.state() : 'up';
  });

  const broadcast = (notice: LinkNotice) => {
    for (const contents of attached.values()) {
      if (contents.isDestroyed()) continue;
      try {
        contents.send(IPC_LINK_STATE_CHANNEL, notice);
      } catch (err) {
        deps.log.warn({ err }, 'link state not delivered to a window');
      }
    }
  };
  const stops = deps.link ? [deps.link.onState((state) => broadcast({ state })), deps.link.onResync((resync) => broadcast({ resync }))] : [];

  return {
    attach(contents) {
      attached.set(contents.id, contents);
      contents.once('destroyed', () => attached.delete(contents.id));
    },
    dispose() {
      stops.forEach((stop) => stop());
      deps.ipcMain.removeHandler(IPC_DESKTOP_CHANNEL);
      deps.ipcMain.removeHandler(IPC_LINK_CHANNEL);
      attached.clear();
    }
  };
}
