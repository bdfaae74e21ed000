import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { SecurityConfig } from './securityConfig';

/** TLS 1.2 is the oldest version a centre's clients may use; 1.0 and 1.1 are broken. */
export const TLS_MIN_VERSION = 'TLSv1.2' as const;

export interface TlsFiles {
  key: Buffer;
  cert: Buffer;
  minVersion: typeof TLS_MIN_VERSION;
}

/** Reads and checks the key pair; a clear sentence when a file is missing or they do not match. */
export function readTlsFiles(certFile: string, keyFile: string): TlsFiles {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`Cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
    }
  };
  const cert = read(certFile, 'certificate');
  const key = read(keyFile, 'key');
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(cert);
  } catch {
    throw new Error(`${certFile} is not a PEM certificate.`);
  }
  try {
    if (!parsed.checkPrivateKey(createPrivateKey(key))) {
      throw new Error('mismatch');
    }
  } catch {
    throw new Error(`The TLS key ${keyFile} does not belong to the certificate ${certFile}.`);
  }
  return { key, cert, minVersion: TLS_MIN_VERSION };
}

export function loadTlsOptions(security: Pick<SecurityConfig, 'tlsCert' | 'tlsKey'>): TlsFiles | null {
  if (!security.tlsCert || !security.tlsKey) return null;
  return readTlsFiles(security.tlsCert, security.tlsKey);
}

/** SHA-256 fingerprint of a PEM certificate, as clients pin it (AA:BB:...). */
export function certificateFingerprint(pem: Buffer | string): string {
  return new X509Certificate(pem).fingerprint256;
}

/**
 * Certificates get renewed: when either file changes, the server loads the new
 * pair for new connections without a restart (open connections keep theirs).
 * A half-written or mismatched pair is refused with a warning and the old one
 * stays in use until the next change.
 */
export function watchCertificates(server: TlsServer, security: Pick<SecurityConfig, 'tlsCert' | 'tlsKey'>, logger: Pick<Logger, 'info' | 'warn'>, intervalMs = 1_000): () => void {
  const { tlsCert, tlsKey } = security;
  if (!tlsCert || !tlsKey) return () => undefined;
  let current = certificateFingerprint(fs.readFileSync(tlsCert));
  const reload = () => {
    try {
      const files = readTlsFiles(tlsCert, tlsKey);
      const fingerprint = certificateFingerprint(files.cert);
      if (fingerprint === current) return;
      server.setSecureContext(files);
      current = fingerprint;
      logger.info({ fingerprint }, 'TLS certificate reloaded');
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'TLS certificate change not loaded; keeping the previous certificate');
    }
  };
  // Polling, not fs.watch: renewals replace files by rename, which fs.watch loses on some systems.
  fs.watchFile(tlsCert, { interval: intervalMs }, reload);
  fs.watchFile(tlsKey, { interval: intervalMs }, reload);
  return () => {
    fs.unwatchFile(tlsCert, reload);
    fs.unwatchFile(tlsKey, reload);
  };
}
