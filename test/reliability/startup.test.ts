import Sqlite from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/core';
import { dbFileOf } from '../helpers/reliability/logCheck';
import { startServe } from '../helpers/reliability/serve';

/**
 * Start-up refusals: each damaged file or bad setting is tried on a copy of a
 * data directory a real `serve` made (and stopped cleanly), then `serve` is run
 * on it. What must hold: a non-zero exit and one sentence that says what is
 * wrong and what to do, never a stack trace or a raw validation dump, and never
 * a server that starts and then misbehaves.
 */
let template: string;

beforeAll(async () => {
  template = tempDir('switchboard-startup-template-');
  const serve = await startServe({ dataDir: template });
  expect(await serve.stop()).toBe(0);
});

function copyOfTemplate(): string {
  const dir = tempDir('switchboard-startup-');
  fs.cpSync(template, dir, { recursive: true });
  return dir;
}

/** Runs serve to completion: a refusal exits at once (a server that starts would run into the CLI timeout). */
function serveOn(dataDir: string, env: NodeJS.ProcessEnv = {}) {
  const res = runCli(['serve', '--port', '0', '--data-dir', dataDir], { env: { SWITCHBOARD_LOG_LEVEL: 'warn', ...env } });
  const text = `${res.stdout}${res.stderr}`.trim();
  return { code: res.code, text, lines: text.split('\n').filter(Boolean) };
}

/** The refusal is one sentence (one line), with no stack frames or zod dumps. */
function expectOneSentence(out: ReturnType<typeof serveOn>, says: RegExp) {
  expect(out.code, out.text).not.toBe(0);
  expect(out.code, 'serve must exit, not keep running').not.toBeNull();
  expect(out.text).not.toMatch(/\n\s+at |ZodError|"code":|Switchboard console:/);
  const refusal = out.lines.filter((l) => l.startsWith('switchboard serve:'));
  expect(refusal, out.text).toHaveLength(1);
  expect(refusal[0]).toMatch(says);
  return refusal[0]!;
}

describe('start-up refusals say what is wrong and what to do, in one sentence', () => {
  const cases: Array<[string, (dir: string) => NodeJS.ProcessEnv | void, RegExp]> = [
    ['socket-log.key replaced by another key', (dir) => fs.writeFileSync(path.join(dir, 'socket-log.key'), randomBytes(48).toString('base64url') + '\n'), /does not unseal the socket log's chain heads.*restore the original key/],
    ['socket-log.key emptied', (dir) => fs.writeFileSync(path.join(dir, 'socket-log.key'), ''), /socket-log.key is empty; restore the original socket-log.key from a backup/],
    ['socket-log.key deleted', (dir) => fs.rmSync(path.join(dir, 'socket-log.key')), /socket-log.key is missing; restore the original socket-log.key/],
    ['jwt.secret left at 0 bytes (a first start on a full disk)', (dir) => fs.writeFileSync(path.join(dir, 'jwt.secret'), ''), /jwt.secret is empty; restore it from a backup, or delete it/],
    ['jwt.secret holding garbage', (dir) => fs.writeFileSync(path.join(dir, 'jwt.secret'), '\u0000\u0001 not a key'), /jwt.secret does not hold a key/],
    ['SWITCHBOARD_LOG_LEVEL=loud', () => ({ SWITCHBOARD_LOG_LEVEL: 'loud' }), /log level \(SWITCHBOARD_LOG_LEVEL or --log-level\) "loud" is not valid; use one of fatal, error, warn, info/],
    ['SWITCHBOARD_KEYFRAME_SECONDS=0', () => ({ SWITCHBOARD_KEYFRAME_SECONDS: '0' }), /keyframe interval in seconds \(SWITCHBOARD_KEYFRAME_SECONDS\) 0 is not valid: Too small/],
    [
      'a database migrated by a newer version',
      (dir) => {
        const db = new Sqlite(dbFileOf(dir));
        db.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES ('999_from_the_future', '2030-01-01T00:00:00.000Z')").run();
        db.close();
      },
      /was written by a newer Switchboard \(it has migration 999_from_the_future.*run that newer version, or restore a backup/
    ],
    ['a garbage cad-link.json', (dir) => fs.writeFileSync(path.join(dir, 'cad-link.json'), '{"url": 42,'), /cad-link.json is not a valid CAD link setting.*fix or delete it/],
    ['switchboard.db truncated to 0 bytes', (dir) => fs.truncateSync(dbFileOf(dir), 0), /switchboard.db is empty but this data directory already has a socket log key.*restore switchboard.db from a backup/]
  ];

  for (const [what, damage, says] of cases) {
    it(`refuses to start with ${what}`, () => {
      const dir = copyOfTemplate();
      const env = damage(dir) ?? {};
      const sentence = expectOneSentence(serveOn(dir, env), says);
      console.log(`[startup] ${what}: exit non-zero with "${sentence}"`);
    });
  }

  it('refuses to start on a corrupt page in a little-read table (quick_check at start), and `switchboard check` names it', () => {
    const dir = copyOfTemplate();
    const file = dbFileOf(dir);
    const db = new Sqlite(file);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    // An index page nobody reads in normal operation: corrupt its b-tree header.
    const { rootpage, name } = db.prepare("SELECT rootpage, name FROM sqlite_master WHERE type = 'index' AND rootpage > 1 ORDER BY rootpage DESC LIMIT 1").get() as { rootpage: number; name: string };
    db.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x0d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0, 8, (rootpage - 1) * pageSize);
    fs.closeSync(fd);
    const sentence = expectOneSentence(serveOn(dir), /failed its integrity check at start.*run "switchboard check".*restore switchboard.db/);
    const check = runCli(['check', '--data-dir', dir]);
    console.log(`[startup] corrupt page ${rootpage} (index ${name}): serve said "${sentence}"; switchboard check exit ${check.code}: ${check.stdout.split('\n')[0]}`);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^DAMAGED: /);
    expect(check.stderr).not.toMatch(/\n\s+at /);
  });

  it('`switchboard check` exits 0 on a sound database and 3 when it cannot run', () => {
    const ok = runCli(['check', '--data-dir', copyOfTemplate()]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^OK: .* passes the full integrity check/);
    const missing = runCli(['check', '--data-dir', tempDir('switchboard-nothing-')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/does not exist; pass the --data-dir/);
    console.log(`[startup] check: sound database exit ${ok.code}; no database exit ${missing.code}`);
  });
});
