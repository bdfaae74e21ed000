import fs from 'node:fs';
import net from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';

/**
 * How an attached workstation trusts its centre's certificate. Two ways:
 *
 * - the system's trust store (a certificate from the centre's own or a public CA):
 *   Node's bundled roots plus the operating system's bundle where one is found,
 *   with the usual host-name check;
 * - a pinned SHA-256 fingerprint (a `switchboard cert --self-signed` certificate):
 *   the certificate must be exactly that one. The pin is checked twice: a probe
 *   connection reads the server's certificate first (so a wrong pin is refused
 *   with both fingerprints named before anything is sent), then every real
 *   connection trusts only that certificate during its handshake and checks the
 *   fingerprint again in place of the host name. A man in the middle would need
 *   the pinned certificate's private key.
 */

/** Where Linux distributions keep the system's CA bundle (Debian/Ubuntu, Fedora/RHEL, openSUSE, Alpine). */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem'];

export class PinError extends Error {
  constructor(
    readonly code: 'PIN_MISMATCH' | 'TLS_UNREACHABLE' | 'INSECURE_URL',
    message: string
  ) {
    super(message);
  }
}

export interface AttachTlsOptions {
  ca?: string[];
  rejectUnauthorized?: boolean;
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
}

export function systemCertificates(bundles: readonly string[] = SYSTEM_BUNDLES): string[] | undefined {
  for (const file of bundles) {
    try {
      return [...tls.rootCertificates, fs.readFileSync(file, 'utf8')];
    } catch {
      // The next known place.
    }
  }
  return undefined;
}

export interface ProbedCertificate {
  fingerprint: string;
  pem: string;
  subject: string;
  validTo: string;
}

/**
 * Reads the certificate a TLS server presents, without trusting it and without
 * sending a byte of application data. Only the fingerprint is judged from it.
 */
export function probeCertificate(url: URL, timeoutMs = 5_000): Promise<ProbedCertificate> {
  const port = Number(url.port || 443);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false });
    const fail = (err: Error) => {
      socket.destroy();
      reject(new PinError('TLS_UNREACHABLE', `Could not reach ${url.origin} over TLS: ${err.message}.`));
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no TLS handshake within ${timeoutMs / 1000} s`)));
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(false);
      socket.destroy();
      if (!cert?.raw) return reject(new PinError('TLS_UNREACHABLE', `${url.origin} presented no certificate.`));
      resolve({ fingerprint: cert.fingerprint256, pem: new X509Certificate(cert.raw).toString(), subject: cert.subject?.CN ?? '', validTo: cert.valid_to });
    });
  });
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);

/**
 * The TLS options for the attached link to `origin`. Plain http is accepted
 * only on loopback (a centre on this same machine, and tests): on a network the
 * operator's password and every alert would travel in clear.
 */
export async function attachTlsOptions(origin: string, pin: string | undefined, probe = probeCertificate): Promise<AttachTlsOptions> {
  const url = new URL(origin);
  if (url.protocol === 'http:') {
    if (isLoopback(url.hostname)) return {};
    throw new PinError('INSECURE_URL', `${origin} is plain http on a network; attach over https:// (the centre serves TLS with --tls-cert and --tls-key).`);
  }
  if (!pin) {
    const ca = systemCertificates();
    return ca ? { ca, rejectUnauthorized: true } : { rejectUnauthorized: true };
  }
  const seen = await probe(url);
  if (seen.fingerprint !== pin) {
    throw new PinError(
      'PIN_MISMATCH',
      `The centre at ${origin} presented a certificate with fingerprint ${seen.fingerprint}, not the pinned ${pin}. Nothing was sent. If the centre made a new certificate, ask its admin for the new fingerprint; otherwise someone may be intercepting the connection.`
    );
  }
  return {
    ca: [...tls.rootCertificates, seen.pem],
    rejectUnauthorized: true,
    // The pin stands in for the host-name check: a self-signed certificate names the hosts it was made for, not every address a workstation uses.
    checkServerIdentity: (_host, cert) =>
      cert.fingerprint256 === pin ? undefined : new PinError('PIN_MISMATCH', `Certificate fingerprint ${cert.fingerprint256} is not the pinned ${pin}.`)
  };
}
