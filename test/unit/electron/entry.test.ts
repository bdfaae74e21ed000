import { describe, expect, it, vi } from 'vitest';
import { electronModule, fake } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron').then((m) => m.electronModule));

describe('the Electron entry (src/main/index.ts)', () => {
  it('starts the shell on import: takes the single-instance lock and, as a second instance, quits', async () => {
    fake.app.reset();
    fake.app.lockAvailable = false;
    await import('../../../src/main/index');
    expect(electronModule.app.requestSingleInstanceLock).toHaveBeenCalledOnce();
    expect(electronModule.app.quit).toHaveBeenCalledOnce();
  });
});
