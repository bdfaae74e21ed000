import { z } from 'zod';
import { StartupRefusal } from './startupRefusal';
import { ReplaySettingsSchema } from './replay/replaySettings';

/**
 * Everything the core needs to start. Defaults suit a single workstation; every
 * field can come from flags, env or the Electron shell.
 */
export const CoreConfigSchema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8780),
  dataDir: z.string().min(1),
  /** Built renderer to serve to browsers; omitted in tests that do not need it. */
  rendererDir: z.string().optional(),
  jwtSecret: z.string().min(32).optional(),
  sessionTtlSeconds: z.coerce.number().int().positive().default(12 * 3600),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Extra secrets to scrub from log lines (the CAD token, for instance). */
  redact: z.array(z.string()).default([]),
  cad: z
    .object({
      url: z.string().url().optional(),
      token: z.string().optional(),
      /** PEM CA file for an https:// CAD whose certificate is not publicly trusted. */
      caFile: z.string().optional()
    })
    .default({}),
  /** Per-domain settings; each domain parses its own part. */
  hub: z.record(z.string(), z.unknown()).default({}),
  /** TLS, proxies, origins, request limits, sign-in and tokens (http/securityConfig.ts). */
  security: z.record(z.string(), z.unknown()).default({}),
  log: z.record(z.string(), z.unknown()).default({}),
  bridge: z.record(z.string(), z.unknown()).default({}),
  /** Cluster mode (cluster/clusterConfig.ts parses it); absent: one node on SQLite. */
  cluster: z.record(z.string(), z.unknown()).optional(),
  // prefault: an absent `replay` is parsed as {}, so its fields take the schema's own defaults.
  replay: ReplaySettingsSchema.prefault({})
});

export type CoreConfigInput = z.input<typeof CoreConfigSchema>;
export type CoreConfig = z.output<typeof CoreConfigSchema>;

/** Reads the SWITCHBOARD_* environment; flags given on the command line win. */
export function configFromEnv(env: NodeJS.ProcessEnv): Partial<CoreConfigInput> {
  const out: Partial<CoreConfigInput> = {};
  if (env.SWITCHBOARD_HOST) out.host = env.SWITCHBOARD_HOST;
  if (env.SWITCHBOARD_PORT) out.port = Number(env.SWITCHBOARD_PORT);
  if (env.SWITCHBOARD_DATA_DIR) out.dataDir = env.SWITCHBOARD_DATA_DIR;
  if (env.SWITCHBOARD_JWT_SECRET) out.jwtSecret = env.SWITCHBOARD_JWT_SECRET;
  if (env.SWITCHBOARD_LOG_LEVEL) out.logLevel = env.SWITCHBOARD_LOG_LEVEL as CoreConfig['logLevel'];
  const security: Record<string, unknown> = {};
  if (env.SWITCHBOARD_TLS_CERT) security.tlsCert = env.SWITCHBOARD_TLS_CERT;
  if (env.SWITCHBOARD_TLS_KEY) security.tlsKey = env.SWITCHBOARD_TLS_KEY;
  if (env.SWITCHBOARD_TRUST_PROXY === '1' || env.SWITCHBOARD_TRUST_PROXY === 'true') security.trustProxy = true;
  if (env.SWITCHBOARD_INSECURE_HTTP === '1' || env.SWITCHBOARD_INSECURE_HTTP === 'true') security.insecureHttp = true;
  if (env.SWITCHBOARD_ALLOWED_ORIGINS) security.allowedOrigins = env.SWITCHBOARD_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (env.SWITCHBOARD_REQUEST_TIMEOUT_MS) security.requestTimeoutMs = Number(env.SWITCHBOARD_REQUEST_TIMEOUT_MS);
  if (env.SWITCHBOARD_HEADERS_TIMEOUT_MS) security.headersTimeoutMs = Number(env.SWITCHBOARD_HEADERS_TIMEOUT_MS);
  if (env.SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS) security.maxConnectionsPerAddress = Number(env.SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS);
  if (env.SWITCHBOARD_SIGNIN_FREE_FAILURES) security.signInFreeFailures = Number(env.SWITCHBOARD_SIGNIN_FREE_FAILURES);
  if (env.SWITCHBOARD_SIGNIN_LOCKOUT_AFTER_FAILURES) security.signInLockoutAfterFailures = Number(env.SWITCHBOARD_SIGNIN_LOCKOUT_AFTER_FAILURES);
  if (env.SWITCHBOARD_SIGNIN_LOCKOUT_SECONDS) security.signInLockoutSeconds = Number(env.SWITCHBOARD_SIGNIN_LOCKOUT_SECONDS);
  if (env.SWITCHBOARD_PASSWORD_MIN_LENGTH) security.passwordMinLength = Number(env.SWITCHBOARD_PASSWORD_MIN_LENGTH);
  if (Object.keys(security).length > 0) out.security = security;
  if (env.SWITCHBOARD_KEYFRAME_SECONDS) out.replay = { keyframeIntervalSeconds: Number(env.SWITCHBOARD_KEYFRAME_SECONDS) };
  if (env.SWITCHBOARD_CAD_URL || env.SWITCHBOARD_CAD_TOKEN || env.SWITCHBOARD_CAD_CA) {
    out.cad = { url: env.SWITCHBOARD_CAD_URL || undefined, token: env.SWITCHBOARD_CAD_TOKEN || undefined, caFile: env.SWITCHBOARD_CAD_CA || undefined };
  }
  return out;
}

const SETTING_NAMES: Record<string, string> = {
  logLevel: 'the log level (SWITCHBOARD_LOG_LEVEL or --log-level)',
  port: 'the port (SWITCHBOARD_PORT or --port)',
  host: 'the listen address (SWITCHBOARD_HOST or --host)',
  jwtSecret: 'SWITCHBOARD_JWT_SECRET',
  dataDir: 'the data directory (SWITCHBOARD_DATA_DIR or --data-dir)',
  'cad.url': 'the CAD URL (SWITCHBOARD_CAD_URL or --cad-url)',
  'replay.keyframeIntervalSeconds': 'the keyframe interval in seconds (SWITCHBOARD_KEYFRAME_SECONDS)'
};

/**
 * Parses the start-up settings; a bad one is refused with one sentence naming
 * the setting, the value and what it accepts (not a raw validation dump).
 */
export function parseCoreConfig(input: CoreConfigInput): CoreConfig {
  const parsed = CoreConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.path.map(String).join('.');
  const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
  const accepted = 'values' in issue && Array.isArray(issue.values) ? `; use one of ${issue.values.join(', ')}` : `: ${issue.message}`;
  const shown = key === 'jwtSecret' ? '' : ` ${JSON.stringify(value)}`;
  throw new StartupRefusal('CONFIG_INVALID', `Cannot start: ${SETTING_NAMES[key] ?? key}${shown} is not valid${accepted}.`);
}
