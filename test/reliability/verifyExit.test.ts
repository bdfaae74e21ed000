import Sqlite from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/core';
import { canMountTmpfs, fullDiskWith } from '../helpers/reliability/fullDisk';
import { startDeviceLoad } from '../helpers/reliability/load';
import { dbFileOf } from '../helpers/reliability/logCheck';
import { jwtSecretOf, startServe } from '../helpers/reliability/serve';
import { waitFor } from '../helpers/reliability/clients';

/** README's CLI table: 0 verifies, 1 tampered, 3 could not run (or not recorded), 4 wrong key. */
const EXIT = { OK: 0, TAMPERED: 1, COULD_NOT_RUN: 3, WRONG_KEY: 4 };
const MOUNT = canMountTmpfs();
if (!MOUNT) console.log('[verify-exit] the full-disk case is skipped: mounting a tmpfs needs root and mount(8)');

let template: string;

beforeAll(async () => {
  template = tempDir('switchboard-verify-template-');
  const serve = await startServe({ dataDir: template });
  const load = await startDeviceLoad({ url: serve.url, secret: jwtSecretOf(template), clients: 4, ratePerClient: 20, tag: 'vx' });
  await waitFor('200 events acknowledged', () => load.acked.size >= 200);
  await load.stop();
  expect(await serve.stop()).toBe(0);
});

const copy = () => {
  const dir = tempDir('switchboard-verify-');
  fs.cpSync(template, dir, { recursive: true });
  return dir;
};

const verify = (dir: string) => {
  const res = runCli(['verify', '--data-dir', dir]);
  return { code: res.code, out: `${res.stdout}${res.stderr}` };
};

describe('verify exit codes tell tampered, wrong key and could-not-run apart', () => {
  it('0 for an intact log, 1 for an edited row', () => {
    const dir = copy();
    const ok = verify(dir);
    expect(ok.code, ok.out).toBe(EXIT.OK);
    const db = new Sqlite(dbFileOf(dir));
    db.prepare("UPDATE socket_logs SET event_data = '{\"edited\":true}' WHERE id = 10").run();
    db.close();
    const tampered = verify(dir);
    console.log(`[verify-exit] intact: exit ${ok.code}; row 10 edited: exit ${tampered.code}: ${tampered.out.split('\n')[0]}`);
    expect(tampered.code).toBe(EXIT.TAMPERED);
    expect(tampered.out).toMatch(/^TAMPERED: first bad row: socket_logs id 10/);
  });

  it('4 for another key or an emptied key, never "tampered"', () => {
    const replaced = copy();
    fs.writeFileSync(path.join(replaced, 'socket-log.key'), randomBytes(48).toString('base64url') + '\n');
    const other = verify(replaced);
    const emptied = copy();
    fs.writeFileSync(path.join(emptied, 'socket-log.key'), '');
    const empty = verify(emptied);
    console.log(`[verify-exit] replaced key: exit ${other.code}: ${other.out.trim()}; emptied key: exit ${empty.code}: ${empty.out.trim()}`);
    expect(other.code).toBe(EXIT.WRONG_KEY);
    expect(other.out).toMatch(/^WRONG KEY: .*does not unseal the socket log's chain heads/);
    expect(other.out).not.toMatch(/TAMPERED/);
    expect(empty.code).toBe(EXIT.WRONG_KEY);
    expect(empty.out).toMatch(/^WRONG KEY: .*socket-log.key is empty/);
    // The refused key was not used: nothing was chained under it.
    expect(verify(replaced).code).toBe(EXIT.WRONG_KEY);
  });

  it.skipIf(!MOUNT)('3 on a full disk (the access record cannot be written), with one sentence and no stack trace', () => {
    const disk = fullDiskWith(copy(), 256);
    try {
      const full = verify(disk.dir);
      console.log(`[verify-exit] full disk: exit ${full.code}: ${full.out.trim().split('\n').slice(-1)[0]}`);
      expect(full.code, full.out).toBe(EXIT.COULD_NOT_RUN);
      expect(full.out).toMatch(/could not (be recorded|read|run)|nothing was concluded/);
      expect(full.out).not.toMatch(/\n\s+at |"stack"/);
      disk.makeRoom();
      const again = verify(disk.dir);
      expect(again.code, again.out).toBe(EXIT.OK);
    } finally {
      disk.unmount();
    }
  });
});
