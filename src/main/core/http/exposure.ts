import net from 'node:net';
import type { SecurityConfig } from './securityConfig';

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/**
 * Tokens, passwords and patient data cross the network in the clear without
 * TLS, so the core refuses to listen beyond loopback unless it serves TLS
 * itself, sits behind a TLS-terminating proxy, or is told it is on purpose.
 */
export function refuseExposedPlainHttp(host: string, security: Pick<SecurityConfig, 'tlsCert' | 'trustProxy' | 'insecureHttp'>): void {
  if (isLoopbackHost(host) || security.tlsCert || security.trustProxy || security.insecureHttp) return;
  throw new Error(
    `Refusing to serve plain HTTP on ${host}: sign-in passwords, tokens and patient data would cross the network unencrypted. ` +
      'Pass --tls-cert and --tls-key (or `switchboard cert --self-signed` for a quick start), --trust-proxy behind a TLS-terminating proxy, or --insecure-http to accept the risk.'
  );
}
