import type { EventBus } from '../core/contract/bus';
import type { ContractRegistry } from '../core/contract/registry';
import type { ConsoleLinkOptions } from '../../shared/contract/consoleLink';
import type { WorkstationChoice } from '../../shared/desktop';
import type { ConsoleIpcDeps } from '../ipc/consoleIpc';
import type { LinkSource } from '../ipc/desktopIpc';
import type { ShellLog } from '../window/shellLog';
import { createAttachedLink, type AttachedLink } from './attachedLink';
import { attachTlsOptions, type AttachTlsOptions } from './pinning';
import { remoteContract } from './remoteContract';

/** What an attached workstation runs in place of a core: the link to the centre, and the contract over it. */
export interface AttachedBackend {
  url: string;
  /** The checked TLS options (null while a pinned centre has not been reachable yet: nothing connects). */
  tls(): AttachTlsOptions | null;
  link: LinkSource;
  api: Pick<ContractRegistry, 'invoke'>;
  bus: EventBus;
  connection: AttachedLink;
  /**
   * For the IPC registrar: the centre revokes and audits sessions itself (a revoked
   * session's link is closed there, and the windows are signed out by its refusal).
   */
  sessions: Pick<ConsoleIpcDeps, 'revocations' | 'audit'>;
  close(): Promise<void>;
}

export interface AttachOptions {
  link?: ConsoleLinkOptions;
  probe?: Parameters<typeof attachTlsOptions>[2];
  /** How often an unreachable pinned centre is probed again (ms, growing to the second value). */
  retryMs?: [number, number];
}

/**
 * Checks the centre's certificate (pin or trust store) and opens the link. A
 * wrong pin or an http URL on a network throws before anything is sent. A
 * pinned centre that cannot be reached at start (a workstation booting during
 * a network outage) is not a reason to stay closed: the console opens with the
 * link not up and refusing every action, and the pin is checked again until
 * the centre answers; nothing connects before it has been checked.
 */
export async function startAttached(choice: Extract<WorkstationChoice, { mode: 'attached' }>, log: ShellLog, options: AttachOptions = {}): Promise<AttachedBackend> {
  let tls: AttachTlsOptions | null = null;
  try {
    tls = await attachTlsOptions(choice.url, choice.pin, options.probe);
  } catch (err) {
    if ((err as { code?: string }).code !== 'TLS_UNREACHABLE') throw err;
    log.warn({ url: choice.url, err: (err as Error).message }, 'attached link: the centre is unreachable, its certificate is checked when it answers');
  }
  const connection = createAttachedLink({ url: choice.url, tls, log, link: options.link });
  const remote = remoteContract(connection, log);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  if (!tls) {
    const [first, most] = options.retryMs ?? [1_000, 15_000];
    let wait = first;
    let lastError = '';
    const retry = () => {
      timer = setTimeout(() => {
        attachTlsOptions(choice.url, choice.pin, options.probe).then(
          (checked) => {
            if (closed) return;
            tls = checked;
            log.info({ url: choice.url }, 'attached link: certificate checked, connecting');
            connection.start(checked);
          },
          (err: Error) => {
            if (closed) return;
            if (err.message !== lastError) log.warn({ url: choice.url, err: err.message }, 'attached link: certificate not checked yet');
            lastError = err.message;
            wait = Math.min(wait * 2, most);
            retry();
          }
        );
      }, wait);
    };
    retry();
  }
  return {
    url: choice.url,
    tls: () => tls,
    link: connection.link,
    api: remote.api,
    bus: remote.bus,
    connection,
    sessions: { revocations: { isRevoked: () => false, onRevoked: () => () => undefined }, audit: () => undefined },
    async close() {
      closed = true;
      clearTimeout(timer);
      remote.close();
      connection.close();
    }
  };
}
