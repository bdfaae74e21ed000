import { z } from 'zod';
import type { LinkState, ResyncReason } from './contract/consoleLink';
import type { Result } from './result';

/**
 * What the desktop shell adds to a console window beside the core's contract:
 * the workstation's mode, native save and print, start at login, and the
 * attention count for the tray. It never reaches the core; the main process
 * answers it through the same trusted-sender guard as the contract
 * (src/main/ipc/desktopIpc.ts). A browser has no `window.switchboardDesktop`.
 */

/** Electron IPC channels: desktop calls, and the link state pushed to every window. */
export const IPC_DESKTOP_CHANNEL = 'switchboard:desktop';
export const IPC_LINK_CHANNEL = 'switchboard:link';
export const IPC_LINK_STATE_CHANNEL = 'switchboard:link-state';

/** A SHA-256 certificate fingerprint as `switchboard cert --self-signed` prints it: 32 hex pairs joined by colons. */
export const FingerprintSchema = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase().replace(/^SHA256[:=]?/, '').replace(/[\s-]/g, ''))
  .transform((s) => (s.includes(':') ? s : (s.match(/.{1,2}/g) ?? []).join(':')))
  .refine((s) => /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(s), {
    message: 'A SHA-256 fingerprint is 64 hex digits, as `switchboard cert --self-signed` prints it (AA:BB:...).'
  });

export const AttachUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine((s) => URL.canParse(s) && /^(https?):$/.test(new URL(s).protocol), { message: 'The centre address must be an http:// or https:// URL.' })
  .transform((s) => new URL(s).origin);

export const WorkstationChoiceSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('embedded') }).strict(),
  z.object({ mode: z.literal('attached'), url: AttachUrlSchema, pin: FingerprintSchema.optional() }).strict()
]);
export type WorkstationChoice = z.infer<typeof WorkstationChoiceSchema>;

export const WorkstationInfoSchema = z.object({
  mode: z.enum(['embedded', 'attached', 'setup']),
  url: z.string().nullable(),
  pin: z.string().nullable(),
  /** Where the mode came from this run: a flag or the environment wins over the saved choice. */
  source: z.enum(['flag', 'env', 'saved', 'setup']).nullable(),
  startAtLogin: z.boolean()
});
export type WorkstationInfo = z.infer<typeof WorkstationInfoSchema>;

export const desktopMethods = {
  'workstation.info': { input: z.object({}).strict(), admin: false },
  /** The first-start setup screen's answer (only while the setup screen is up). */
  'workstation.choose': { input: WorkstationChoiceSchema, admin: false },
  /** An admin changes this workstation's mode; it applies at the next start. */
  'workstation.change': { input: WorkstationChoiceSchema, admin: true },
  'workstation.startAtLogin': { input: z.object({ enabled: z.boolean() }).strict(), admin: true },
  /** Saves an export the core wrote (its download URL) where the operator picks in a save dialog. */
  'export.save': {
    input: z
      .object({
        /** The core's download path for the export (never a full URL: the shell adds the core's own origin). */
        url: z.string().regex(/^\/api\/v1\/socket-logs\/exports\/[A-Za-z0-9_-]{1,128}(\/manifest)?$/, 'not an export download path'),
        filename: z.string().min(1).max(255),
        /** The window's session token: the download is authorised like the browser's. */
        token: z.string().min(1).max(4096)
      })
      .strict(),
    admin: false
  },
  /** Renders the calling window (the printable report) to PDF and saves it through a save dialog. */
  'report.savePdf': { input: z.object({ filename: z.string().min(1).max(255) }).strict(), admin: false },
  /** The unacknowledged-critical count the window shows, for the tray icon and taskbar. */
  'attention.report': { input: z.object({ critical: z.number().int().min(0).max(100_000) }).strict(), admin: false },
  /** The views that were open in their own windows when the app last ran (the console reopens them). */
  'views.openAtStart': { input: z.object({}).strict(), admin: false }
} as const;
export type DesktopMethod = keyof typeof desktopMethods;
export const isDesktopMethod = (name: unknown): name is DesktopMethod =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(desktopMethods, name);

/** `window.switchboardDesktop`, exposed by the preload in Electron only. */
export interface DesktopBridge {
  call(method: DesktopMethod, input: unknown): Promise<Result<unknown>>;
}

/** What the main process pushes on IPC_LINK_STATE_CHANNEL. */
export type LinkNotice = { state: LinkState } | { resync: ResyncReason };
const LINK_STATES: readonly LinkState[] = ['connecting', 'up', 'silent', 'stopping', 'down'];
export const isLinkState = (value: unknown): value is LinkState => typeof value === 'string' && (LINK_STATES as readonly string[]).includes(value);

/** The views a workstation can open in their own window (`#/view/<id>`). */
export const DETACHABLE_VIEWS = ['dispatch', 'map', 'board', 'alerts', 'patients', 'statistics', 'health'] as const;
export type DetachableView = (typeof DETACHABLE_VIEWS)[number];
export const VIEW_ROUTE_PREFIX = '#/view/';
export function viewOfRoute(hash: string): DetachableView | null {
  if (!hash.startsWith(VIEW_ROUTE_PREFIX)) return null;
  const id = hash.slice(VIEW_ROUTE_PREFIX.length);
  return (DETACHABLE_VIEWS as readonly string[]).includes(id) ? (id as DetachableView) : null;
}

declare global {
  interface Window {
    switchboardDesktop?: DesktopBridge;
  }
}
