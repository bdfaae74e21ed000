import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the console window loads the renderer from: the built file in
 * production, the electron-vite dev server while developing. Only this one
 * location is trusted to talk to the core over IPC.
 */
export type RendererLocation = { kind: 'file'; indexPath: string } | { kind: 'dev'; url: string };

export interface RendererLocationInput {
  /** `app.isPackaged`: a packaged app never loads a dev server, whatever the env says. */
  isPackaged: boolean;
  /** `ELECTRON_RENDERER_URL`, set by `electron-vite dev`. */
  devServerUrl?: string;
  /** Folder of the bundled main script (out/main). */
  mainDir: string;
}

export function resolveRendererLocation(input: RendererLocationInput): RendererLocation {
  if (!input.isPackaged && input.devServerUrl) {
    const url = new URL(input.devServerUrl);
    // A dev server anywhere but this machine would hand IPC to someone else's page.
    if ((url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname)) {
      return { kind: 'dev', url: url.toString() };
    }
  }
  return { kind: 'file', indexPath: path.resolve(input.mainDir, '../renderer/index.html') };
}

const isLoopbackHost = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host === '::1';

/**
 * True only for the console's own page: exactly the built index.html (any hash
 * or query) or the dev server's origin. Everything else (other files, remote
 * pages, data: and blob: documents) is untrusted.
 */
export function isTrustedRendererUrl(candidate: string, location: RendererLocation): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (location.kind === 'dev') return url.origin === new URL(location.url).origin;
  // A host in a file URL is a network share (file://server/share): never ours.
  if (url.protocol !== 'file:' || url.host !== '') return false;
  url.hash = '';
  url.search = '';
  try {
    return path.resolve(fileURLToPath(url)) === path.resolve(location.indexPath);
  } catch {
    return false;
  }
}

/** The origin the CSP allows scripts from in development (none in production). */
export const devServerOrigin = (location: RendererLocation): string | undefined =>
  location.kind === 'dev' ? new URL(location.url).origin : undefined;
