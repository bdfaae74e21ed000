import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  isDev: boolean;
  isMac: boolean;
  /** Opens the data directory (database, secrets) in the file manager. */
  openDataFolder(): void;
  /** Opens the core's API reference in the system browser. */
  openApiReference(): void;
  showAbout(): void;
}

/**
 * The app menu. Developer tools appear only in development: in a control room
 * they would let anyone at the desk script the console.
 */
export function buildMenuTemplate(actions: MenuActions): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    { role: 'forceReload' },
    ...(actions.isDev ? [{ role: 'toggleDevTools' } as const] : []),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' }
  ];
  return [
    ...(actions.isMac ? [{ role: 'appMenu' } as const] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Data Folder', click: () => actions.openDataFolder() },
        { type: 'separator' },
        actions.isMac ? { role: 'close' } : { role: 'quit' }
      ]
    },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' }
      ]
    },
    { label: 'View', submenu: view },
    {
      label: 'Window',
      submenu: [{ role: 'minimize' }, { role: 'zoom' }, ...(actions.isMac ? [{ role: 'front' } as const] : [{ role: 'close' } as const])]
    },
    {
      role: 'help',
      submenu: [
        { label: 'API Reference (OpenAPI)', click: () => actions.openApiReference() },
        { type: 'separator' },
        { label: 'About Switchboard', click: () => actions.showAbout() }
      ]
    }
  ];
}
