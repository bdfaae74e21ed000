import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/core';
import { entry, openLogFixture, runCli } from './helpers';

/** A log with awkward values: commas, quotes, newlines, a formula, unicode. */
async function loggedDir() {
  const fx = await openLogFixture();
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
  return fx.dataDir;
}

describe('switchboard export', () => {
  for (const format of ['csv', 'ndjson'] as const) {
    it(`exports ${format} with a signed manifest that verify --export accepts, and rejects a modified file`, async () => {
      const dir = await loggedDir();
      const out = path.join(tempDir(), `log.${format}`);
      const run = await runCli(['export', '--format', format, '--from', '2000-01-01', '--to', '2100-01-01T00:00:00Z', '--event-type', 'ambulance_request', '--out', out, '--data-dir', dir, '--quiet']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Exported 50 rows/);
      const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8')) as Record<string, unknown>;
      expect(manifest).toMatchObject({ row_count: 50, first_id: 1, last_id: 246, file_format: format, chain_head: { id: 250 } });

      if (format === 'ndjson') {
        // Lines are the API's record shape (JSON columns as objects, ISO times, booleans) plus the row's MAC.
        const first = JSON.parse(fs.readFileSync(out, 'utf8').split('\n')[0]!) as Record<string, unknown>;
        expect(first).toMatchObject({ id: 1, event_type: 'ambulance_request', event_data: { lat: 40.7, lon: -74 }, processed: false, status: 'pending', created_at: expect.stringMatching(/Z$/), processed_at: null, mac: expect.stringMatching(/^[0-9a-f]{32}$/) });
      }
      const ok = await runCli(['verify', '--export', out, '--data-dir', dir]);
      expect(ok.code, ok.stdout).toBe(0);
      expect(ok.stdout).toMatch(/OK: .* has 50 rows/);
      // Offline with only the public key, as a regulator would.
      const pem = path.join(tempDir(), 'switchboard.pub');
      fs.writeFileSync(pem, (await runCli(['verify', '--print-public-key', '--data-dir', dir])).stdout);
      expect((await runCli(['verify', '--export', out, '--public-key', pem])).code).toBe(0);

      const text = fs.readFileSync(out, 'utf8');
      fs.writeFileSync(out, text.replace('patient-1', 'patient-2'));
      const bad = await runCli(['verify', '--export', out, '--data-dir', dir]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/checksum/);
      // A manifest edited to match the edited file no longer carries a valid signature.
      fs.writeFileSync(`${out}.manifest.json`, JSON.stringify({ ...manifest, row_count: 49 }));
      expect((await runCli(['verify', '--export', out, '--data-dir', dir])).stdout).toMatch(/signature/);
    });
  }

  it('keeps awkward values intact in CSV and neutralises spreadsheet formulas', async () => {
    const dir = await loggedDir();
    const out = path.join(tempDir(), 'all.csv');
    expect((await runCli(['export', '--format', 'csv', '--out', out, '--data-dir', dir, '--quiet'])).code).toBe(0);
    const csv = fs.readFileSync(out, 'utf8');
    expect(csv).toContain('"line one\nline ""two"", with comma"');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain('Zürich');
    expect((await runCli(['verify', '--export', out, '--data-dir', dir])).code).toBe(0);
    // The export was recorded in the access log (verify --export is offline and touches no database).
    const access = await runCli(['verify', '--data-dir', dir, '--json']);
    expect(JSON.parse(access.stdout)).toMatchObject({ ok: true, checked: { access: 1 } });
  });

  it('refuses bad flags with a usage error', async () => {
    const dir = await loggedDir();
    expect((await runCli(['export', '--format', 'xml', '--out', 'x', '--data-dir', dir])).code).toBe(2);
    expect((await runCli(['export', '--format', 'csv', '--out', 'x', '--from', 'soon', '--data-dir', dir])).code).toBe(2);
    expect((await runCli(['export', '--format', 'csv', '--out', 'x', '--from', '2025-02-01', '--to', '2025-01-01', '--data-dir', dir])).code).toBe(2);
    expect((await runCli(['export', '--format', 'csv', '--out', 'x', '--event-type', 'a b', '--data-dir', dir])).code).toBe(2);
  });
});
