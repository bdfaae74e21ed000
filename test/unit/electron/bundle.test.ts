import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CALL_CHANNEL } from '../../../src/shared/contract';
import { IPC_LINK_CHANNEL } from '../../../src/shared/desktop';

/**
 * Builds main and preload with the real electron-vite config (into a scratch
 * folder under node_modules/.cache so externalized packages still resolve;
 * the renderer is left out, it has its own tests) and checks what only the
 * bundle can show: the preload runs in Electron's sandbox, where `require`
 * knows nothing but 'electron', and the main bundle loads as CommonJS.
 */
const ROOT = path.resolve(__dirname, '../../..');
const scratch = path.join(ROOT, 'node_modules', '.cache', 'switchboard-bundle-test', String(process.pid));

beforeAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  const config = path.join(scratch, 'electron.vite.config.ts');
  const base = path.relative(scratch, path.join(ROOT, 'electron.vite.config')).split(path.sep).join('/');
  fs.writeFileSync(config, `import base from '${base}';\nexport default { main: base.main, preload: base.preload };\n`);
  execFileSync(
    path.join(ROOT, 'node_modules', '.bin', 'electron-vite'),
    ['build', '--config', config, '--outDir', scratch, '--logLevel', 'error'],
    { cwd: ROOT, stdio: 'pipe' }
  );
}, 300_000);
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the built bundle', () => {
  it('has a preload that runs sandboxed: it requires only electron and exposes window.switchboard and window.switchboardDesktop', async () => {
    const code = fs.readFileSync(path.join(scratch, 'preload', 'index.js'), 'utf8');
    const required: string[] = [];
    const exposed = new Map<string, unknown>();
    const invoked: unknown[][] = [];
    const sandboxRequire = (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`module not found: ${name} (sandboxed preload)`);
      return {
        contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
        ipcRenderer: {
          on: () => undefined,
          invoke: async (...args: unknown[]) => {
            invoked.push(args);
            return { ok: true, value: 'pong' };
          }
        }
      };
    };
    const module = { exports: {} };
    vm.runInNewContext(`(function (require, module, exports) {${code}\n})`, { console })(sandboxRequire, module, module.exports);
    expect(required).toEqual(['electron']);
    const api = exposed.get('switchboard') as { call(m: string, i: unknown): Promise<unknown> };
    expect(await api.call('system.info', {})).toEqual({ ok: true, value: 'pong' });
    expect(await api.call('nope', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    // The preload asks the main process for the link's state once, at load; then only the call travels.
    expect(invoked).toEqual([[IPC_LINK_CHANNEL], [IPC_CALL_CHANNEL, 'system.info', {}]]);
    const desktop = exposed.get('switchboardDesktop') as { call(m: string, i: unknown): Promise<unknown> };
    expect(await desktop.call('fs.readFile', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(invoked).toHaveLength(2);
  });

  it('has a CommonJS main that starts the shell: a second instance just quits', () => {
    // A fake electron next to the scratch bundle is found before the real package.
    const fakeDir = path.join(scratch, 'node_modules', 'electron');
    fs.mkdirSync(fakeDir, { recursive: true });
    fs.writeFileSync(
      path.join(fakeDir, 'index.js'),
      `const calls = [];
       const record = (name) => (...args) => { calls.push(name); return undefined; };
       process.on('exit', () => process.stdout.write(JSON.stringify(calls)));
       module.exports = {
         app: { isPackaged: false, requestSingleInstanceLock: () => { calls.push('lock'); return false; },
                quit: record('quit'), on: record('on'), whenReady: () => new Promise(() => {}) },
         BrowserWindow: class {}, Notification: class {}, ipcMain: {}, session: {}, dialog: {}, Menu: {}, shell: {}, screen: {}
       };`
    );
    const run = spawnSync(process.execPath, [path.join(scratch, 'main', 'index.js')], {
      encoding: 'utf8',
      env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'silent' }
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(['lock', 'quit']);
  });
});
