import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/core';
import { inMode, TEST_MODE } from '../../helpers/testMode';
import { entry, runCli } from './helpers';
import { openCliLogFixture } from './modeStore';

/**
 * A log with awkward values: commas, quotes, newlines, a formula, unicode.
 * Returns the CLI flags that name it: a data directory, or in cluster mode the
 * cluster's PostgreSQL (test/helpers/testMode.ts).
 */
async function loggedLog(): Promise<string[]> {
  const fx = await openCliLogFixture();
  for (let i = 0; i < 250; i += 1) {
    await fx.writer.createSocketLog(
      entry({
        eventType: i % 5 === 0 ? 'ambulance_request' : 'update_location',
        errorMessage: i === 7 ? 'line one\nline "two", with comma' : null,
        userAgent: i === 8 ? '=HYPERLINK("http://evil")' : 'ambulance-app/1.0 (Zürich)'
      })
    );
  }
  await fx.close();
  return fx.target;
}

describe('switchboard export', () => {
  for (const format of ['csv', 'ndjson'] as const) {
    it(inMode(`exports ${format} with a signed manifest that verify --export accepts, and rejects a modified file`), async () => {
      const log = await loggedLog();
      const out = path.join(tempDir(), `log.${format}`);
      const run = await runCli(['export', '--format', format, '--from', '2000-01-01', '--to', '2100-01-01T00:00:00Z', '--event-type', 'ambulance_request', '--out', out, ...log, '--quiet']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Exported 50 rows/);
      const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8')) as Record<string, unknown>;
      expect(manifest).toMatchObject({ row_count: 50, file_format: format });
      // Every fifth of the 250 rows, from the first: ids 1..246 on SQLite (PostgreSQL's id counter starts on its own).
      expect(Number(manifest.last_id) - Number(manifest.first_id)).toBe(245);
      // The head the export was taken at: the rows chain's last row on SQLite, the last checkpoint sealing every node's chain on PostgreSQL.
      if (TEST_MODE === 'single') expect(manifest).toMatchObject({ first_id: 1, chain_head: { id: 250 } });
      else expect(manifest).toMatchObject({ chain_head: { record_count: 250 } });

      if (format === 'ndjson') {
        // Lines are the API's record shape (JSON columns as objects, ISO times, booleans) plus the row's MAC.
        const first = JSON.parse(fs.readFileSync(out, 'utf8').split('\n')[0]!) as Record<string, unknown>;
        expect(first).toMatchObject({ id: manifest.first_id, event_type: 'ambulance_request', event_data: { lat: 40.7, lon: -74 }, processed: false, status: 'pending', created_at: expect.stringMatching(/Z$/), processed_at: null, mac: expect.stringMatching(/^[0-9a-f]{32}$/) });
      }
      const ok = await runCli(['verify', '--export', out, ...log]);
      expect(ok.code, ok.stdout).toBe(0);
      expect(ok.stdout).toMatch(/OK: .* has 50 rows/);
      // Offline with only the public key, as a regulator would.
      const pem = path.join(tempDir(), 'switchboard.pub');
      fs.writeFileSync(pem, (await runCli(['verify', '--print-public-key', ...log])).stdout);
      expect((await runCli(['verify', '--export', out, '--public-key', pem])).code).toBe(0);

      const text = fs.readFileSync(out, 'utf8');
      fs.writeFileSync(out, text.replace('patient-1', 'patient-2'));
      const bad = await runCli(['verify', '--export', out, ...log]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/checksum/);
      // A manifest edited to match the edited file no longer carries a valid signature.
      fs.writeFileSync(`${out}.manifest.json`, JSON.stringify({ ...manifest, row_count: 49 }));
      expect((await runCli(['verify', '--export', out, ...log])).stdout).toMatch(/signature/);
    });
  }

  it(inMode('keeps awkward values intact in CSV and neutralises spreadsheet formulas'), async () => {
    const log = await loggedLog();
    const out = path.join(tempDir(), 'all.csv');
    expect((await runCli(['export', '--format', 'csv', '--out', out, ...log, '--quiet'])).code).toBe(0);
    const csv = fs.readFileSync(out, 'utf8');
    expect(csv).toContain('"line one\nline ""two"", with comma"');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain('Zürich');
    expect((await runCli(['verify', '--export', out, ...log])).code).toBe(0);
    // The export was recorded in the access log (verify --export is offline and touches no database).
    const access = await runCli(['verify', ...log, '--json']);
    expect(JSON.parse(access.stdout)).toMatchObject(TEST_MODE === 'single' ? { ok: true, checked: { access: 1 } } : { ok: true, access: 1 });
  });

  it(inMode('refuses bad flags with a usage error'), async () => {
    const log = await loggedLog();
    expect((await runCli(['export', '--format', 'xml', '--out', 'x', ...log])).code).toBe(2);
    expect((await runCli(['export', '--format', 'csv', '--out', 'x', '--from', 'soon', ...log])).code).toBe(2);
    expect((await runCli(['export', '--format', 'csv', '--out', 'x', '--from', '2025-02-01', '--to', '2025-01-01', ...log])).code).toBe(2);
    expect((await runCli(['export', '--format', 'csv', '--out', 'x', '--event-type', 'a b', ...log])).code).toBe(2);
  });
});
