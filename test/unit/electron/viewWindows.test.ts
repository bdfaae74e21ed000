import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmbeddedRuntime } from '../../../src/main/window/appShell';
import { loadViewPlacements, restorePlacement, viewPlacementFile, type ViewPlacement } from '../../../src/main/window/viewPlacement';
import { fake, FakeBrowserWindow } from './fakeElectron';
import { callCore, callDesktop, consoleWindowOf, freshElectron, mainDir, quitShell, readyShell } from './shellHarness';

vi.mock('electron', () => import('./fakeElectron').then((m) => m.electronModule));

/**
 * Views in their own windows on a control-room desk with several monitors:
 * a view window opens where that view was left (monitor and fullscreen
 * included), falls back to the primary monitor when its monitor is gone, and
 * shares the console's guards and session.
 */

const LEFT = { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } };
const RIGHT = { id: 2, bounds: { x: 1920, y: 0, width: 2560, height: 1440 }, workArea: { x: 1920, y: 0, width: 2560, height: 1400 } };
const consolePage = pathToFileURL(path.resolve(mainDir, '../renderer/index.html')).toString();

const placementOnRight = (fullscreen: boolean): ViewPlacement => ({
  bounds: { x: 2020, y: 100, width: 1600, height: 1000 },
  display: { id: 2, bounds: RIGHT.bounds },
  fullscreen,
  open: true
});

describe('where a view window goes back to', () => {
  it('the same monitor, at the same place and fullscreen, found by id', () => {
    expect(restorePlacement(placementOnRight(true), [LEFT, RIGHT], 1)).toEqual({ bounds: { x: 2020, y: 100, width: 1600, height: 1000 }, fullscreen: true, displayId: 2 });
  });

  it('the same monitor found by its bounds when the system renumbered it, and one that moved keeps the window’s place on it', () => {
    const renumbered = { ...RIGHT, id: 7 };
    expect(restorePlacement(placementOnRight(false), [LEFT, renumbered], 1)).toMatchObject({ displayId: 7, bounds: { x: 2020, y: 100 } });
    // The right monitor is now left of the main one: the window follows it.
    const movedLeft = { id: 2, bounds: { x: -2560, y: 0, width: 2560, height: 1440 }, workArea: { x: -2560, y: 0, width: 2560, height: 1400 } };
    expect(restorePlacement(placementOnRight(false), [LEFT, movedLeft], 1)).toMatchObject({ displayId: 2, bounds: { x: -2460, y: 100, width: 1600, height: 1000 } });
  });

  it('the primary monitor, inside its work area and not fullscreen, when its monitor is gone', () => {
    const restored = restorePlacement(placementOnRight(true), [LEFT], 1)!;
    expect(restored.displayId).toBe(1);
    expect(restored.fullscreen).toBe(false);
    expect(restored.bounds.x + restored.bounds.width).toBeLessThanOrEqual(1920);
    expect(restored.bounds.y + restored.bounds.height).toBeLessThanOrEqual(1040);
    expect(restored.fallback).toMatch(/monitor 2 .* is not connected/);
  });
});

beforeEach(freshElectron);
afterEach(quitShell);

const start = async () => (await readyShell({ env: { SWITCHBOARD_MODE: 'embedded' } })) as EmbeddedRuntime;

describe('view windows in the desktop app', () => {
  it('opens a view in its own locked-down window that shares the console’s IPC; placement and fullscreen are remembered and restored on the same monitor', async () => {
    fake.displays = [LEFT, RIGHT];
    const runtime = await start();
    await runtime.core.operators.add('dana', 'correct horse', 'dispatcher');
    const main = consoleWindowOf(runtime);
    const session = (await callCore(main.webContents, 'auth.signIn', { username: 'dana', password: 'correct horse' })) as { value: { token: string } };

    // Only our own page's view routes open a window; anything else is denied.
    expect(main.webContents.windowOpen('https://example.org/#/view/map')).toBeNull();
    expect(main.webContents.windowOpen(`${consolePage}#/view/admin`)).toBeNull();
    const map = main.webContents.windowOpen(`${consolePage}#/view/map`)!;
    expect(map.options).toMatchObject({ title: 'Switchboard: Map', fullscreen: false, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false } });
    // A second open of the same view brings the open one forward.
    expect(main.webContents.windowOpen(`${consolePage}#/view/map`)).toBeNull();
    expect(map.focus).toHaveBeenCalled();

    // The view window is a console window: it resumes the same session and calls the core.
    expect(await callCore(map.webContents, 'auth.resume', { token: session.value.token })).toMatchObject({ ok: true, value: { username: 'dana' } });
    expect(await callCore(map.webContents, 'dispatch.snapshot')).toMatchObject({ ok: true });

    map.moveTo({ x: 2020, y: 100, width: 1600, height: 1000 });
    map.setFullScreen(true);
    await quitShell();
    const saved = loadViewPlacements(viewPlacementFile(fake.app.userDataDir)).placements.map!;
    expect(saved).toMatchObject({ display: { id: 2 }, fullscreen: true, open: true, bounds: { x: 2020, y: 100 } });

    // Next start: the console asks which views to reopen and they open where they were.
    const userData = fake.app.userDataDir;
    freshElectron();
    fake.app.userDataDir = userData;
    fake.displays = [LEFT, RIGHT];
    const again = await start();
    const main2 = consoleWindowOf(again);
    expect(await callDesktop(main2.webContents, 'views.openAtStart')).toEqual({ ok: true, value: ['map'] });
    const restored = main2.webContents.windowOpen(`${consolePage}#/view/map`)!;
    expect(restored.options).toMatchObject({ x: 2020, y: 100, width: 1600, height: 1000, fullscreen: true });
  });

  it('a view window whose monitor was unplugged opens on the primary monitor; one the dispatcher closed stays closed', async () => {
    fake.displays = [LEFT, RIGHT];
    const runtime = await start();
    const main = consoleWindowOf(runtime);
    const alerts = main.webContents.windowOpen(`${consolePage}#/view/alerts`)!;
    alerts.moveTo({ x: 2100, y: 200, width: 1200, height: 900 });
    const board = main.webContents.windowOpen(`${consolePage}#/view/board`)!;
    board.close(); // the dispatcher closed it
    await quitShell();

    const userData = fake.app.userDataDir;
    freshElectron();
    fake.app.userDataDir = userData;
    fake.displays = [LEFT]; // the right monitor is gone
    const again = await start();
    const main2 = consoleWindowOf(again);
    expect(await callDesktop(main2.webContents, 'views.openAtStart')).toEqual({ ok: true, value: ['alerts'] });
    const reopened = main2.webContents.windowOpen(`${consolePage}#/view/alerts`)!;
    const { x, y, width, height } = reopened.options as { x: number; y: number; width: number; height: number };
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x + width).toBeLessThanOrEqual(1920);
    expect(y + height).toBeLessThanOrEqual(1040);
    expect(reopened.options.fullscreen).toBe(false);
    expect(FakeBrowserWindow.instances.filter((w) => !w.isDestroyed())).toHaveLength(2);
  });
});
