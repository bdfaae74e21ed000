import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { APP_ID } from '../../../src/main/window/appShell';

vi.mock('electron', () => import('./fakeElectron').then((m) => m.electronModule));

/**
 * `npm run dist` cannot run here (it downloads Electron), so the packaging
 * config is checked the way electron-builder itself checks it: its own schema
 * validator, plus the facts the app depends on.
 */
const ROOT = path.resolve(__dirname, '../../..');
const require = createRequire(path.join(ROOT, 'package.json'));
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(): void }): Promise<void>;
};

interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asarUnpack: string[];
  linux: { target: string[]; icon: string };
  win: { target: string[] };
  mac: { target: string[] };
}

const config = yaml.load(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const quietLogger = { isEnabled: false, add: () => undefined };

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema validation', async () => {
    await expect(validateConfiguration(config, quietLogger)).resolves.toBeUndefined();
  });

  it('would be caught by that validation if it had a typo', async () => {
    await expect(validateConfiguration({ ...config, linx: { target: ['deb'] } }, quietLogger)).rejects.toThrow(/linx/);
  });

  it('builds Switchboard for Linux (AppImage, deb), Windows (NSIS) and macOS (dmg) from out/', () => {
    expect(config.productName).toBe('Switchboard');
    expect(config.appId).toBe(APP_ID);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.files).toContain('out/**');
  });

  it('unpacks better-sqlite3’s native addon from the asar and ships the icon', () => {
    expect(config.asarUnpack.some((pattern) => pattern.includes('better-sqlite3') && pattern.endsWith('.node'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, config.linux.icon))).toBe(true);
    const png = fs.readFileSync(path.join(ROOT, config.linux.icon));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    // electron-builder needs at least 256x256 for Windows and macOS icons.
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(256);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(256);
  });

  it('matches package.json: main points into out/, and `npm run dist` uses this builder', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
    expect(pkg.main).toBe('out/main/index.js');
    expect(pkg.scripts.dist).toContain('electron-builder');
    expect(pkg.scripts.start).toBe('node scripts/start.js');
  });
});
