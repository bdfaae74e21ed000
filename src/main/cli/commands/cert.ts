import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSelfSignedCertificate } from '../../core/http/selfSignedCert';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';
import { defaultDataDir } from './serve';

export const certCommand: CliCommand = {
  name: 'cert',
  summary: 'Create a self-signed TLS certificate for a quick start and print its fingerprint to pin.',
  usage: 'switchboard cert --self-signed [--host NAME_OR_IP ...] [--days 365] [--out-dir DIR (default <data-dir>/tls)] [--data-dir DIR] [--force]',
  async run(argv) {
    const v = parseFlags(argv, {
      'self-signed': { type: 'boolean' },
      host: { type: 'string', multiple: true },
      days: { type: 'string', default: '365' },
      'out-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      force: { type: 'boolean' }
    });
    if (!v['self-signed']) throw new UsageError('Only --self-signed is supported; for production use a certificate from your CA with serve --tls-cert/--tls-key.');
    const days = Number(v.days);
    if (!Number.isInteger(days) || days < 1 || days > 825) throw new UsageError('--days must be 1-825 (browsers refuse longer-lived server certificates).');
    const hosts = v.host?.length ? v.host : ['localhost', '127.0.0.1', '::1', os.hostname()];
    const outDir = path.resolve(v['out-dir'] ?? path.join(v['data-dir'] ? path.resolve(v['data-dir']) : defaultDataDir(), 'tls'));
    const certFile = path.join(outDir, 'cert.pem');
    const keyFile = path.join(outDir, 'key.pem');
    if (!v.force && (fs.existsSync(certFile) || fs.existsSync(keyFile))) {
      throw new UsageError(`${certFile} already exists; pass --force to replace it (clients pinning the old fingerprint must update).`);
    }
    const made = createSelfSignedCertificate({ hosts, days });
    fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
    // Write the key first and rename both into place, so a server watching the files never loads half a pair.
    fs.writeFileSync(`${keyFile}.tmp`, made.keyPem, { mode: 0o600 });
    fs.writeFileSync(`${certFile}.tmp`, made.certPem, { mode: 0o644 });
    fs.renameSync(`${keyFile}.tmp`, keyFile);
    fs.renameSync(`${certFile}.tmp`, certFile);
    process.stdout.write(
      [
        `Certificate: ${certFile}`,
        `Key:         ${keyFile} (0600)`,
        `Valid for:   ${hosts.join(', ')} until ${made.notAfter.toISOString().slice(0, 10)}`,
        `SHA-256 fingerprint (pin this in clients): ${made.fingerprint}`,
        `Serve with:  switchboard serve --host 0.0.0.0 --tls-cert ${certFile} --tls-key ${keyFile}`,
        ''
      ].join('\n')
    );
    return 0;
  }
};
