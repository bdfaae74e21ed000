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
  tls: AttachTlsOptions;
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
}

/**
 * Checks the centre's certificate (pin or trust store) and opens the link. A
 * wrong pin or an http URL on a network throws before anything is sent; an
 * unreachable centre does not: the console opens, says the link is down and
 * keeps trying, as after any outage.
 */
export async function startAttached(choice: Extract<WorkstationChoice, { mode: 'attached' }>, log: ShellLog, options: AttachOptions = {}): Promise<AttachedBackend> {
  let tls: AttachTlsOptions;
  try {
    tls = await attachTlsOptions(choice.url, choice.pin, options.probe);
  } catch (err) {
    if ((err as { code?: string }).code !== 'TLS_UNREACHABLE') throw err;
    // The pin cannot be checked while the centre is unreachable: nothing may connect unchecked, so the link waits for a later start.
    throw new Error(`${(err as Error).message} The pinned certificate could not be checked, so this workstation did not connect. Start again when the centre is reachable.`);
  }
  const connection = createAttachedLink({ url: choice.url, tls, log, link: options.link });
  const remote = remoteContract(connection, log);
  return {
    url: choice.url,
    tls,
    link: connection.link,
    api: remote.api,
    bus: remote.bus,
    connection,
    async close() {
      remote.close();
      connection.close();
    }
  };
}
