import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../helpers/core';

type Decision = { mode: 'electron'; binary: string } | { mode: 'serve'; reason: string };
interface Probe {
  env: Record<string, string | undefined>;
  platform: string;
  electronDir: string;
  exists(file: string): boolean;
  readFile(file: string): string;
  runsAsNode(binary: string): { ok: boolean; detail?: string };
}
const startScript = createRequire(import.meta.url)('../../../scripts/start.js') as {
  decideLaunch(probe: Probe): Decision;
  platformExecutable(platform: string): string | null;
  runsAsNode(binary: string): { ok: boolean; detail?: string };
};

const electronDir = '/repo/node_modules/electron';

/** A machine described by the files it has. */
function machine(files: Record<string, string>, overrides: Partial<Probe> = {}): Probe {
  return {
    env: { DISPLAY: ':0' },
    platform: 'linux',
    electronDir,
    exists: (file) => Object.prototype.hasOwnProperty.call(files, file),
    readFile: (file) => {
      const content = files[file];
      if (content === undefined) throw new Error(`ENOENT ${file}`);
      return content;
    },
    runsAsNode: () => ({ ok: true }),
    ...overrides
  };
}

const pkg = { [path.join(electronDir, 'package.json')]: '{}' };
const downloaded = { ...pkg, [path.join(electronDir, 'path.txt')]: 'electron', [path.join(electronDir, 'dist', 'electron')]: 'ELF' };

describe('npm start: Electron or headless', () => {
  it('falls back to serve when the Electron binary was never downloaded (this machine)', () => {
    const runsAsNode = vi.fn(() => ({ ok: true }));
    const decision = startScript.decideLaunch(machine(pkg, { runsAsNode }));
    expect(decision).toEqual({ mode: 'serve', reason: expect.stringContaining('not downloaded') });
    expect(runsAsNode).not.toHaveBeenCalled();
  });

  it('falls back when path.txt points at a binary that is missing', () => {
    const files = { ...pkg, [path.join(electronDir, 'path.txt')]: 'electron' };
    expect(startScript.decideLaunch(machine(files))).toMatchObject({ mode: 'serve', reason: expect.stringContaining('not downloaded') });
  });

  it('launches Electron when the binary is there and a display is available', () => {
    expect(startScript.decideLaunch(machine(downloaded))).toEqual({ mode: 'electron', binary: path.join(electronDir, 'dist', 'electron') });
    expect(startScript.decideLaunch(machine(downloaded, { env: { WAYLAND_DISPLAY: 'wayland-0' } })).mode).toBe('electron');
  });

  it('falls back on Linux without a display', () => {
    expect(startScript.decideLaunch(machine(downloaded, { env: {} }))).toEqual({
      mode: 'serve',
      reason: expect.stringContaining('no display')
    });
  });

  it('does not ask for a display on Windows or macOS', () => {
    const win = { ...pkg, [path.join(electronDir, 'dist', 'electron.exe')]: 'PE' };
    expect(startScript.decideLaunch(machine(win, { platform: 'win32', env: {} })).mode).toBe('electron');
    const mac = { ...pkg, [path.join(electronDir, 'dist', 'Electron.app/Contents/MacOS/Electron')]: 'Mach-O' };
    expect(startScript.decideLaunch(machine(mac, { platform: 'darwin', env: {} })).mode).toBe('electron');
  });

  it('falls back when the binary is there but cannot run (missing libraries)', () => {
    const decision = startScript.decideLaunch(
      machine(downloaded, { runsAsNode: () => ({ ok: false, detail: 'libnss3.so: cannot open shared object file' }) })
    );
    expect(decision).toEqual({ mode: 'serve', reason: expect.stringContaining('libnss3.so') });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH and SWITCHBOARD_HEADLESS=1', () => {
    const override = { ...pkg, [path.join('/opt/electron', 'electron')]: 'ELF' };
    expect(startScript.decideLaunch(machine(override, { env: { DISPLAY: ':0', ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' } }))).toEqual({
      mode: 'electron',
      binary: path.join('/opt/electron', 'electron')
    });
    expect(startScript.decideLaunch(machine(downloaded, { env: { DISPLAY: ':0', SWITCHBOARD_HEADLESS: '1' } }))).toMatchObject({
      mode: 'serve'
    });
  });

  it('falls back when the electron package is not installed at all', () => {
    expect(startScript.decideLaunch(machine({}))).toMatchObject({ mode: 'serve', reason: expect.stringContaining('not installed') });
  });

  it('names the executable the way electron/install.js does', () => {
    expect(startScript.platformExecutable('linux')).toBe('electron');
    expect(startScript.platformExecutable('win32')).toBe('electron.exe');
    expect(startScript.platformExecutable('darwin')).toBe('Electron.app/Contents/MacOS/Electron');
    expect(startScript.platformExecutable('aix')).toBeNull();
  });

  it('probes a binary for real: one that runs passes, one that fails is reported', () => {
    const dir = tempDir();
    const failing = path.join(dir, 'electron');
    fs.writeFileSync(failing, '#!/bin/sh\necho "error while loading shared libraries: libgtk-3.so.0" >&2\nexit 127\n', { mode: 0o755 });
    expect(startScript.runsAsNode(failing)).toEqual({ ok: false, detail: expect.stringContaining('libgtk-3.so.0') });
    // Node itself honours `-e`, as Electron does with ELECTRON_RUN_AS_NODE=1.
    expect(startScript.runsAsNode(process.execPath)).toEqual({ ok: true });
    expect(startScript.runsAsNode(path.join(dir, 'missing'))).toMatchObject({ ok: false });
  });

  it('decides for this checkout without downloading anything', () => {
    const electronPkg = path.resolve(__dirname, '../../../node_modules/electron');
    const before = fs.readdirSync(electronPkg).sort();
    const decision = startScript.decideLaunch({
      env: {},
      platform: process.platform,
      electronDir: electronPkg,
      exists: fs.existsSync,
      readFile: (file) => fs.readFileSync(file, 'utf8'),
      runsAsNode: startScript.runsAsNode
    });
    expect(decision.mode === 'serve' || decision.mode === 'electron').toBe(true);
    expect(fs.readdirSync(electronPkg).sort()).toEqual(before);
  });
});
