import path from 'node:path';
import { clusterFromFlags } from '../../core/cluster/clusterConfig';
import { configFromEnv, type CoreConfigInput } from '../../core/config';
import { createCore, type Core } from '../../core/createCore';
import { installLastResortHandlers } from '../../core/lastResort';
import { parseFlags } from '../args';
import type { CliCommand } from '../command';

export const serveFlags = {
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'cad-url': { type: 'string' },
  'cad-token': { type: 'string' },
  'cad-ca': { type: 'string' },
  'log-level': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'trust-proxy': { type: 'boolean' },
  'insecure-http': { type: 'boolean' },
  'allowed-origin': { type: 'string', multiple: true },
  cluster: { type: 'boolean' },
  'postgres-url': { type: 'string' },
  'redis-url': { type: 'string' },
  'node-name': { type: 'string' }
} as const;

/** Default data directory: SWITCHBOARD_DATA_DIR, else ./.data beside the checkout. */
export const defaultDataDir = () => path.resolve(process.env.SWITCHBOARD_DATA_DIR ?? '.data');

/** Where the built console lives relative to the bundled CLI (out/main -> out/renderer). */
export const builtRendererDir = () => path.resolve(__dirname, '../renderer');

export function coreConfigFromFlags(values: Record<string, string | boolean | string[] | undefined>): CoreConfigInput {
  const env = configFromEnv(process.env);
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const cadUrl = str('cad-url') ?? env.cad?.url;
  const cadToken = str('cad-token') ?? env.cad?.token;
  return {
    ...env,
    host: str('host') ?? env.host ?? '127.0.0.1',
    port: str('port') !== undefined ? Number(str('port')) : (env.port ?? 8780),
    dataDir: path.resolve(str('data-dir') ?? env.dataDir ?? defaultDataDir()),
    logLevel: (str('log-level') as CoreConfigInput['logLevel']) ?? env.logLevel,
    rendererDir: builtRendererDir(),
    cad: { url: cadUrl, token: cadToken, caFile: str('cad-ca') ? path.resolve(str('cad-ca')!) : env.cad?.caFile },
    security: securityFromFlags(values, env.security ?? {}),
    cluster: clusterFromFlags(values, process.env)
  };
}

/** TLS, proxy and origin flags over their SWITCHBOARD_* equivalents. */
function securityFromFlags(values: Record<string, string | boolean | string[] | undefined>, env: Record<string, unknown>): Record<string, unknown> {
  const out = { ...env };
  if (typeof values['tls-cert'] === 'string') out.tlsCert = path.resolve(values['tls-cert']);
  if (typeof values['tls-key'] === 'string') out.tlsKey = path.resolve(values['tls-key']);
  if (values['trust-proxy'] === true) out.trustProxy = true;
  if (values['insecure-http'] === true) out.insecureHttp = true;
  if (Array.isArray(values['allowed-origin'])) out.allowedOrigins = values['allowed-origin'];
  return out;
}

/** After the last-resort handler gives up: close what can be closed, then exit non-zero. */
export function exitAfterClose(core: Pick<Core, 'close'>): void {
  const force = setTimeout(() => process.exit(70), 15_000);
  force.unref();
  void core.close().finally(() => process.exit(70));
}

/** Stops the core cleanly on SIGINT/SIGTERM; a second signal forces exit. */
export function closeOnSignals(core: Pick<Core, 'close'>, onClosed: () => void): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n${signal}: shutting down (flushing the log)...\n`);
    core.close().then(onClosed, (err) => {
      process.stderr.write(`shutdown failed: ${String(err)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the core headless and serve the console to browsers.',
  usage:
    'switchboard serve [--host 127.0.0.1] [--port 8780] [--data-dir DIR] [--cad-url URL] [--cad-token TOKEN] [--cad-ca FILE]\n' +
    '                  [--tls-cert FILE --tls-key FILE] [--trust-proxy] [--insecure-http] [--allowed-origin https://host ...]\n' +
    '                  [--cluster --postgres-url URL --redis-url URL [--node-name NAME]]  (cluster mode also needs SWITCHBOARD_JWT_SECRET and SWITCHBOARD_LOG_SECRET)',
  async run(argv) {
    const values = parseFlags(argv, serveFlags);
    const core = await createCore(coreConfigFromFlags(values));
    installLastResortHandlers({ context: 'serve', logger: core.logger, giveUp: () => exitAfterClose(core) });
    return new Promise<number>((resolve) => {
      // The handlers before the ready line: whoever reads it may signal at once (a busy machine
      // can run the reader before this process's next statement), and must get a graceful stop.
      closeOnSignals(core, () => resolve(0));
      process.stdout.write(`Switchboard console: ${core.url}\n`);
    });
  }
};
