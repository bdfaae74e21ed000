// Shared by the Electron shell (stamped on its session) and the HTTP server (sent to browsers).
export interface CspOptions {
  /** The core's own HTTP origin (e.g. http://127.0.0.1:8780): REST downloads and map tiles. */
  coreOrigin?: string;
  /** The electron-vite dev server origin, only while developing. */
  devServerOrigin?: string;
}

/**
 * The console's Content-Security-Policy. Nothing loads from the network except
 * our own page and the local core; no eval, no plugins, no frames, no forms.
 * `style-src 'unsafe-inline'` is needed by React style attributes and MapLibre;
 * `blob:` workers by MapLibre's tile workers.
 */
export function buildContentSecurityPolicy(options: CspOptions = {}): string {
  const core = options.coreOrigin ? [options.coreOrigin, options.coreOrigin.replace(/^http/, 'ws')] : [];
  const dev = options.devServerOrigin ? [options.devServerOrigin, options.devServerOrigin.replace(/^http/, 'ws')] : [];
  // Vite's React refresh preamble is an inline script: allowed only with a dev server.
  const devScript = options.devServerOrigin ? [options.devServerOrigin, "'unsafe-inline'"] : [];
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'", ...devScript]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:', 'blob:', ...(options.coreOrigin ? [options.coreOrigin] : [])]],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', ["'self'", ...core, ...dev]],
    ['worker-src', ["'self'", 'blob:']],
    ['manifest-src', ["'self'"]],
    ['media-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['child-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]]
  ];
  return directives.map(([name, sources]) => `${name} ${[...new Set(sources)].join(' ')}`).join('; ');
}
