import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import net from 'node:net';

/*
 * A self-signed X.509 certificate written with node:crypto alone (ECDSA P-256,
 * SHA-256), so a quick start needs no openssl binary. The DER below is the
 * minimum RFC 5280 asks for, plus what strict verifiers (Python 3.13's
 * VERIFY_X509_STRICT) check: critical basic constraints and key usage, subject
 * and authority key identifiers, subject alternative names.
 */

const tlv = (tag: number, content: Buffer): Buffer => {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function positiveInteger(bytes: Buffer): Buffer {
  const b = Buffer.from(bytes);
  b[0] = b[0]! & 0x7f || 0x01;
  return tlv(0x02, b);
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function ipBytes(ip: string): Buffer {
  if (net.isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const halves = ip.split('::');
  const words = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const head = words(halves[0]);
  const tail = words(halves[1]);
  const all = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

export interface SelfSignedOptions {
  /** Host names and IP addresses clients will use to reach the server. */
  hosts: string[];
  days?: number;
  commonName?: string;
}

export interface SelfSigned {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint (AA:BB:...), what a client pins. */
  fingerprint: string;
  notAfter: Date;
}

export function createSelfSignedCertificate(options: SelfSignedOptions): SelfSigned {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // The key identifier is the SHA-1 of the public key bits (RFC 5280 4.2.1.2, method 1); the bits start after the SPKI's header.
  const keyId = createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
  const notBefore = new Date(Date.now() - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + (options.days ?? 365) * 86_400_000);
  const name = seq(set(seq(oid('2.5.4.3'), utf8(options.commonName ?? `Switchboard ${options.hosts[0] ?? 'server'}`))));
  const altNames = options.hosts.map((h) => (net.isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, 'ascii'))));
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const tbs = seq(
    explicit(0, tlv(0x02, Buffer.from([2]))),
    positiveInteger(randomBytes(16)),
    ecdsaSha256,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    spki,
    explicit(
      3,
      seq(
        extension('2.5.29.19', true, seq(bool(true))),
        // digitalSignature (bit 0) and keyCertSign (bit 5): it signs its own certificate.
        extension('2.5.29.15', true, bits(Buffer.from([0x84]), 2)),
        extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))),
        extension('2.5.29.17', false, seq(...altNames)),
        extension('2.5.29.14', false, octets(keyId)),
        extension('2.5.29.35', false, seq(tlv(0x80, keyId)))
      )
    )
  );
  const der = seq(tbs, ecdsaSha256, bits(sign('sha256', tbs, privateKey)));
  const certPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END CERTIFICATE-----\n`;
  const cert = new X509Certificate(certPem);
  if (!cert.verify(publicKey)) throw new Error('The generated certificate does not verify with its own key.');
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), fingerprint: cert.fingerprint256, notAfter };
}
