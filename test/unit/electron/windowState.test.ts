import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_WINDOW_STATE,
  loadWindowState,
  saveWindowState,
  trackWindowState,
  windowStateFile,
  type Rect
} from '../../../src/main/window/windowState';
import { tempDir } from '../../helpers/core';

const oneScreen: Rect[] = [{ x: 0, y: 0, width: 1920, height: 1080 }];
const twoScreens: Rect[] = [...oneScreen, { x: 1920, y: 0, width: 2560, height: 1440 }];

const stateFileIn = () => windowStateFile(tempDir());

afterEach(() => {
  vi.useRealTimers();
});

describe('window state', () => {
  it('opens with the defaults the first time, without complaint', () => {
    expect(loadWindowState(stateFileIn(), oneScreen)).toEqual({ state: DEFAULT_WINDOW_STATE });
  });

  it('round-trips what was saved, on the second monitor too', () => {
    const file = stateFileIn();
    saveWindowState(file, { x: 2000, y: 100, width: 1600, height: 1000, maximized: true });
    expect(loadWindowState(file, twoScreens)).toEqual({ state: { x: 2000, y: 100, width: 1600, height: 1000, maximized: true } });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('forgets the position when that monitor is gone, keeps the size', () => {
    const file = stateFileIn();
    saveWindowState(file, { x: 2000, y: 100, width: 1600, height: 1000, maximized: false });
    expect(loadWindowState(file, oneScreen)).toEqual({
      state: { width: 1600, height: 1000, maximized: false },
      problem: 'off screen'
    });
  });

  it.each([
    ['not JSON', '{"x": 1,'],
    ['invalid fields', JSON.stringify({ x: 0, y: 0, width: 10, height: 10 })],
    ['invalid fields', JSON.stringify({ x: 'left', y: 0, width: 1200, height: 800 })],
    ['invalid fields', JSON.stringify([1, 2, 3])]
  ])('falls back to the defaults when the file is %s', (problem, content) => {
    const file = stateFileIn();
    fs.writeFileSync(file, content);
    expect(loadWindowState(file, oneScreen)).toEqual({ state: DEFAULT_WINDOW_STATE, problem });
  });

  it('refuses to save nonsense', () => {
    expect(() => saveWindowState(stateFileIn(), { width: -5, height: 20, maximized: false })).toThrow();
  });

  it('saves the normal bounds shortly after a move, and at once on close', () => {
    vi.useFakeTimers();
    const file = stateFileIn();
    const window = Object.assign(new EventEmitter(), {
      bounds: { x: 10, y: 20, width: 1200, height: 800 },
      maximized: false,
      getNormalBounds() {
        return this.bounds;
      },
      isMaximized() {
        return this.maximized;
      },
      isDestroyed: () => false
    });
    const onError = vi.fn();
    trackWindowState(window, file, onError, 500);
    window.bounds = { x: 30, y: 40, width: 1250, height: 820 };
    window.emit('move');
    window.emit('resize');
    expect(fs.existsSync(file)).toBe(false);
    vi.advanceTimersByTime(500);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ x: 30, y: 40, width: 1250, height: 820, maximized: false });
    window.maximized = true;
    window.emit('close');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ maximized: true, width: 1250 });
    expect(onError).not.toHaveBeenCalled();
    expect(fs.readdirSync(path.dirname(file))).toEqual(['window-state.json']);
  });
});
