import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AttachTlsOptions } from '../workstation/pinning';

/**
 * The desktop's native side of exports, the printable report and start at
 * login. Electron objects come in through small interfaces so the tests can
 * drive them with fakes.
 */

export interface SaveDialog {
  /** Electron's dialog.showSaveDialog, bound to the calling window. */
  showSaveDialog(options: { title: string; defaultPath: string; filters?: Array<{ name: string; extensions: string[] }> }): Promise<{ canceled: boolean; filePath?: string }>;
}

export type Saved = { saved: false } | { saved: true; path: string; bytes: number };

/** A file name from the page, reduced to a plain name (no folders, no control characters). */
export function safeFileName(name: string, fallback: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f<>:"|?*]/g, '_').trim();
  return base && base !== '.' && base !== '..' ? base : fallback;
}

class ActionError extends Error {
  constructor(
    readonly code: 'UNAVAILABLE' | 'VALIDATION_FAILED',
    message: string
  ) {
    super(message);
  }
}

/**
 * Downloads an export from the core (this workstation's, or the centre's over
 * the pinned TLS) into `file`, through a temp file so a failed download never
 * leaves half a file under the name the operator chose.
 */
export async function downloadTo(url: URL, token: string, file: string, tlsOptions: AttachTlsOptions = {}): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  const temp = `${file}.${process.pid}.part`;
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = client.get(url, { headers: { authorization: `Bearer ${token}` }, ...(url.protocol === 'https:' ? tlsOptions : {}) }, resolve);
    request.on('error', reject);
    request.setTimeout(60_000, () => request.destroy(new Error('the core stopped sending the export')));
  });
  if (response.statusCode !== 200) {
    response.resume();
    throw new ActionError('UNAVAILABLE', `The core answered HTTP ${response.statusCode} for the export; nothing was saved.`);
  }
  try {
    await pipeline(response, fs.createWriteStream(temp, { mode: 0o600 }));
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
  return fs.statSync(file).size;
}

export interface ExportSaveDeps {
  dialog: SaveDialog;
  /** Where the core serves downloads: this workstation's core or the centre. */
  coreOrigin(): string;
  tls: AttachTlsOptions;
  downloadsDir: string;
}

export async function saveExport(deps: ExportSaveDeps, input: { url: string; filename: string; token: string }): Promise<Saved> {
  const name = safeFileName(input.filename, 'switchboard-export');
  const choice = await deps.dialog.showSaveDialog({ title: 'Save export', defaultPath: path.join(deps.downloadsDir, name) });
  if (choice.canceled || !choice.filePath) return { saved: false };
  const bytes = await downloadTo(new URL(input.url, deps.coreOrigin()), input.token, choice.filePath, deps.tls);
  return { saved: true, path: choice.filePath, bytes };
}

export interface PrintableContents {
  printToPDF(options: { printBackground: boolean; pageSize: 'A4'; landscape: boolean }): Promise<Buffer>;
}

/** Renders the calling window (the report view, with its print stylesheet) to PDF and saves it where the operator picks. */
export async function saveReportPdf(dialog: SaveDialog, contents: PrintableContents, filename: string, downloadsDir: string): Promise<Saved> {
  const name = safeFileName(filename.endsWith('.pdf') ? filename : `${filename}.pdf`, 'switchboard-report.pdf');
  const choice = await dialog.showSaveDialog({ title: 'Save report as PDF', defaultPath: path.join(downloadsDir, name), filters: [{ name: 'PDF', extensions: ['pdf'] }] });
  if (choice.canceled || !choice.filePath) return { saved: false };
  const pdf = await contents.printToPDF({ printBackground: true, pageSize: 'A4', landscape: false });
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new ActionError('UNAVAILABLE', 'The report did not render as a PDF; nothing was saved.');
  fs.writeFileSync(choice.filePath, pdf);
  return { saved: true, path: choice.filePath, bytes: pdf.length };
}

export interface LoginItems {
  platform: NodeJS.Platform;
  /** Electron's app.setLoginItemSettings (macOS and Windows only). */
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
  execPath: string;
  /** XDG config folder for the Linux autostart entry. */
  configHome?: string;
}

/**
 * Starts the app when the user logs in. Electron does this on macOS and
 * Windows; on Linux it is an XDG autostart entry, written or removed here.
 */
export function setStartAtLogin(items: LoginItems, enabled: boolean): { enabled: boolean; where: string } {
  if (items.platform !== 'linux') {
    items.setLoginItemSettings({ openAtLogin: enabled });
    return { enabled, where: 'login items' };
  }
  const dir = path.join(items.configHome ?? process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'autostart');
  const file = path.join(dir, 'switchboard.desktop');
  if (!enabled) {
    fs.rmSync(file, { force: true });
    return { enabled, where: file };
  }
  fs.mkdirSync(dir, { recursive: true });
  const quoted = `"${items.execPath.replace(/(["`$\\])/g, '\\$1')}"`;
  fs.writeFileSync(file, ['[Desktop Entry]', 'Type=Application', 'Name=Switchboard', `Exec=${quoted}`, 'X-GNOME-Autostart-enabled=true', ''].join('\n'));
  return { enabled, where: file };
}
