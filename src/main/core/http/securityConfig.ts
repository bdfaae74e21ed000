import { z } from 'zod';

/**
 * The core's network-safety settings (`config.security`): TLS, proxies,
 * origins, request limits, sign-in throttling and token lifetimes. Defaults
 * are safe for a centre's network; tests and benchmarks raise the limits.
 */
export const SecurityConfigSchema = z.object({
  /** PEM certificate chain and private key files; both or neither. Reloaded when they change. */
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  /** TLS terminates at a reverse proxy on this network: client addresses come from X-Forwarded-For. */
  trustProxy: z.boolean().default(false),
  /** Plain HTTP on a non-loopback address, knowingly (an isolated lab network). */
  insecureHttp: z.boolean().default(false),
  /** Origins allowed to open the console and WebSocket upgrades; the server's own origin is always allowed. */
  allowedOrigins: z.array(z.string().min(1)).default([]),
  /** Whole request (headers and body) must arrive within this; slow senders are cut off. */
  requestTimeoutMs: z.coerce.number().int().positive().default(30_000),
  headersTimeoutMs: z.coerce.number().int().positive().default(10_000),
  /** Open TCP connections from one client address (a reverse proxy counts as one address). */
  maxConnectionsPerAddress: z.coerce.number().int().positive().default(1_000),
  /** Deepest nesting of arrays and objects a JSON request body may have. */
  jsonMaxDepth: z.coerce.number().int().min(2).max(1000).default(32),
  /** Longest an operator session token may live (a shift; the console renews it before it ends). */
  operatorTokenMaxSeconds: z.coerce.number().int().positive().default(24 * 3600),
  /** Longest a field (device, crew, hospital, patient) token may live. */
  fieldTokenMaxSeconds: z.coerce.number().int().positive().default(90 * 24 * 3600),
  /** Password policy: shortest allowed, and passwords a centre refuses besides the commonest ones. */
  passwordMinLength: z.coerce.number().int().min(8).max(128).default(10),
  refusedPasswords: z.array(z.string()).default([]),
  /** Sign-in throttling: free failures, then doubling waits, then a lockout an admin can clear. */
  signInFreeFailures: z.coerce.number().int().min(0).default(3),
  signInLockoutAfterFailures: z.coerce.number().int().min(1).default(10),
  signInLockoutSeconds: z.coerce.number().int().positive().default(15 * 60)
});

export type SecurityConfig = z.output<typeof SecurityConfigSchema>;

export function parseSecurityConfig(raw: unknown): SecurityConfig {
  const parsed = SecurityConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new Error(`Invalid security settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (Boolean(parsed.data.tlsCert) !== Boolean(parsed.data.tlsKey)) {
    throw new Error('TLS needs both a certificate and a key: pass --tls-cert and --tls-key together.');
  }
  return parsed.data;
}
