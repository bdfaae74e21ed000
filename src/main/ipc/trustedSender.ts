/** The parts of Electron's WebFrameMain the trust check reads. */
export interface FrameLike {
  url: string;
  processId: number;
  routingId: number;
}

/** The parts of Electron's WebContents the IPC transport uses. */
export interface ConsoleWebContents {
  id: number;
  mainFrame: FrameLike;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
  once(event: 'destroyed', listener: () => void): unknown;
  on(event: 'did-start-navigation', listener: (details: { isMainFrame: boolean; isSameDocument: boolean }) => void): unknown;
}

/** The parts of Electron's IpcMainInvokeEvent the registrar reads. */
export interface InvokeEventLike {
  sender: ConsoleWebContents;
  senderFrame: FrameLike | null;
}

export type SenderVerdict = { trusted: true } | { trusted: false; reason: string };

/**
 * A call is trusted only when it comes from the main frame of a console
 * window this process created, while that frame shows our own renderer.
 * A sub-frame, a window we did not attach, a frame that navigated away (null
 * senderFrame) or a foreign URL is refused.
 */
export function checkSender(
  event: InvokeEventLike,
  attached: ReadonlyMap<number, ConsoleWebContents>,
  isTrustedUrl: (url: string) => boolean
): SenderVerdict {
  const contents = attached.get(event.sender.id);
  if (!contents || contents !== event.sender) return { trusted: false, reason: 'not a console window' };
  const frame = event.senderFrame;
  if (!frame) return { trusted: false, reason: 'sender frame is gone' };
  const main = contents.mainFrame;
  if (frame.processId !== main.processId || frame.routingId !== main.routingId) {
    return { trusted: false, reason: 'not the main frame' };
  }
  if (!isTrustedUrl(frame.url)) return { trusted: false, reason: 'page is not the Switchboard console' };
  return { trusted: true };
}
