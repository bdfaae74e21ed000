import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { LogKeys } from '../store/chain';

export interface ExportManifestBody {
  format: 'switchboard-socket-log-export/1';
  file_format: 'csv' | 'ndjson';
  sha256: string;
  bytes: number;
  row_count: number;
  first_id: number | null;
  last_id: number | null;
  filters: Record<string, unknown>;
  /** The log's rows chain head when the export's snapshot was taken. */
  chain_head: { id: number; mac: string; record_count: number };
  created_at: string;
  created_by: string;
}

export interface ExportManifest extends ExportManifestBody {
  key_id: string;
  /** Ed25519 verifying key (SPKI, base64): for reference; trust comes from the data directory's key or --public-key. */
  public_key: string;
  signature: string;
}

/** Canonical JSON (sorted keys) so the signature does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const signedPart = (m: Omit<ExportManifest, 'signature'>) => Buffer.from(canonicalJson(m), 'utf8');

export function signManifest(keys: LogKeys, body: ExportManifestBody): ExportManifest {
  const unsigned = {
    ...body,
    key_id: keys.keyId,
    public_key: keys.verifying.export({ format: 'der', type: 'spki' }).toString('base64')
  };
  return { ...unsigned, signature: sign(null, signedPart(unsigned), keys.signing).toString('base64') };
}

export interface ExportCheck {
  ok: boolean;
  rows: number;
  problems: string[];
  manifest: ExportManifest | null;
}

/** Counts CSV records (quoted fields may hold newlines) and reads each record's first field (the id). */
class CsvScanner {
  private inQuotes = false;
  private field = '';
  private inFirstField = true;
  records = 0;
  firstId: number | null = null;
  lastId: number | null = null;
  private header = true;
  push(text: string) {
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i];
      if (ch === '"') this.inQuotes = !this.inQuotes;
      else if (!this.inQuotes && ch === ',') this.inFirstField = false;
      else if (!this.inQuotes && ch === '\n') this.endRecord();
      else if (this.inFirstField && ch !== '\r') this.field += ch;
    }
  }
  private endRecord() {
    if (this.header) this.header = false;
    else {
      this.records += 1;
      const id = Number(this.field);
      this.firstId ??= id;
      this.lastId = id;
    }
    this.field = '';
    this.inFirstField = true;
  }
}

/**
 * Checks an export offline against its manifest: the manifest's signature with
 * a trusted verifying key, then the file's SHA-256, size, row count and first and
 * last ids. Needs no database.
 */
export async function verifyExportFile(file: string, trusted: KeyObject, manifestFile = `${file}.manifest.json`): Promise<ExportCheck> {
  const problems: string[] = [];
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ExportManifest;
  } catch (err) {
    return { ok: false, rows: 0, problems: [`cannot read manifest ${manifestFile}: ${(err as Error).message}`], manifest: null };
  }
  const { signature, ...unsigned } = manifest;
  let signatureOk = false;
  try {
    signatureOk = verify(null, signedPart(unsigned), trusted, Buffer.from(String(signature), 'base64'));
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) problems.push('the manifest signature does not verify with the trusted key: the manifest was altered or signed by another installation');
  const stated = (() => {
    try {
      return createPublicKey({ key: Buffer.from(manifest.public_key, 'base64'), format: 'der', type: 'spki' });
    } catch {
      return null;
    }
  })();
  if (stated && !stated.equals(trusted)) problems.push(`the manifest names key ${manifest.key_id}, not the trusted key`);

  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  let firstId: number | null = null;
  let lastId: number | null = null;
  const csv = new CsvScanner();
  let pending = '';
  // A decoder, not toString per chunk: a chunk boundary can split a multi-byte character.
  const decoder = new StringDecoder('utf8');
  for await (const chunk of fs.createReadStream(file)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    bytes += buf.length;
    const text = decoder.write(buf);
    if (manifest.file_format === 'csv') csv.push(text);
    else {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        rows += 1;
        const id = Number((JSON.parse(line) as { id: unknown }).id);
        firstId ??= id;
        lastId = id;
      }
    }
  }
  if (manifest.file_format === 'csv') ({ records: rows, firstId, lastId } = csv);
  if (hash.digest('hex') !== manifest.sha256) problems.push('the file does not match the manifest checksum: it was modified after export');
  if (bytes !== manifest.bytes) problems.push(`the file has ${bytes} bytes; the manifest says ${manifest.bytes}`);
  if (rows !== manifest.row_count) problems.push(`the file has ${rows} rows; the manifest says ${manifest.row_count}`);
  if (firstId !== manifest.first_id || lastId !== manifest.last_id) {
    problems.push(`the file runs from id ${firstId} to ${lastId}; the manifest says ${manifest.first_id} to ${manifest.last_id}`);
  }
  return { ok: problems.length === 0, rows, problems, manifest };
}

/** The filter an export covered, as its manifest states it (the same on every storage). */
export function manifestFilters(
  filter: { from?: number; eventTypes?: readonly string[]; status?: string; userId?: string; userRoles?: readonly string[]; hospitalId?: string },
  to: number
): ExportManifest['filters'] {
  return {
    from: filter.from !== undefined ? new Date(filter.from).toISOString() : null,
    to: new Date(to).toISOString(),
    event_types: filter.eventTypes ?? null,
    status: filter.status ?? null,
    user_id: filter.userId ?? null,
    user_roles: filter.userRoles ?? null,
    hospital_id: filter.hospitalId ?? null
  };
}
