/** The parts of Electron's Tray the attention icon uses. */
export interface TrayLike {
  setToolTip(text: string): void;
  setTitle(title: string): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface AttentionTrayDeps {
  tray: TrayLike;
  /** app.setBadgeCount: the dock (macOS) and launcher (Linux Unity) badge. */
  setBadgeCount(count: number): unknown;
  /** Brings the console forward (a click on the icon). */
  focus(): void;
}

export interface AttentionTray {
  /** One window's count of unacknowledged critical alerts; the icon shows the highest any window reports. */
  report(windowId: number, critical: number): void;
  forget(windowId: number): void;
  count(): number;
  destroy(): void;
}

/**
 * The tray icon with the unacknowledged-critical count, visible while every
 * console window is minimized or behind another program. Every window reports
 * what it shows; they share one session, so they agree, and the highest count
 * wins while one of them is still catching up.
 */
export function createAttentionTray(deps: AttentionTrayDeps): AttentionTray {
  const counts = new Map<number, number>();
  let shown = -1;
  const render = () => {
    const critical = Math.max(0, ...counts.values());
    if (critical === shown) return;
    shown = critical;
    deps.tray.setToolTip(critical > 0 ? `Switchboard: ${critical} critical alert${critical === 1 ? '' : 's'} unacknowledged` : 'Switchboard: no critical alert waiting');
    deps.tray.setTitle(critical > 0 ? String(critical) : '');
    deps.setBadgeCount(critical);
  };
  deps.tray.on('click', deps.focus);
  render();
  return {
    report(windowId, critical) {
      counts.set(windowId, critical);
      render();
    },
    forget(windowId) {
      counts.delete(windowId);
      render();
    },
    count: () => Math.max(0, shown),
    destroy() {
      deps.tray.destroy();
    }
  };
}
