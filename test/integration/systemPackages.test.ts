import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const script = path.join(root, 'scripts', 'systemPackages.js');

interface Plan {
  action: 'none' | 'install' | 'refuse';
  list?: string;
  command?: string;
}
const { plan, EXIT_MISSING, SYSTEM_PACKAGES } = createRequire(__filename)(script) as {
  plan(facts: { missing: string[]; isRoot: boolean; hasApt: boolean; checkOnly: boolean }): Plan;
  EXIT_MISSING: number;
  SYSTEM_PACKAGES: Array<{ name: string; why: string }>;
};

const canSwitchUser = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v runuser'], { stdio: 'ignore' }).status === 0;

describe('npm test sets up the system packages it needs', () => {
  it('keeps one list, each package with the reason the suite needs it', () => {
    const names = SYSTEM_PACKAGES.map((p) => p.name);
    expect(names).toContain('chromium');
    expect(names).toContain('python3-socketio');
    expect(new Set(names).size).toBe(names.length);
    for (const p of SYSTEM_PACKAGES) expect(p.why.length).toBeGreaterThan(10);
  });

  it('installs what is missing when it runs as root with apt, and tells anyone else the exact command', () => {
    const facts = { missing: ['chromium', 'poppler-utils'], hasApt: true, checkOnly: false };
    expect(plan({ ...facts, isRoot: true })).toEqual({ action: 'install', list: 'chromium poppler-utils' });
    const asUser = plan({ ...facts, isRoot: false });
    expect(asUser.action).toBe('refuse');
    expect(asUser.command).toBe('sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium poppler-utils');
    expect(plan({ ...facts, isRoot: true, checkOnly: true }).action).toBe('refuse');
    expect(plan({ ...facts, missing: [], isRoot: false }).action).toBe('none');
  });

  it.runIf(canSwitchUser)('stops a non-root user before any test, printing the one command to run', () => {
    // A package that cannot exist stands in for a missing browser: the refusal path runs for real.
    const res = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, script], {
      encoding: 'utf8',
      env: { ...process.env, SWITCHBOARD_EXTRA_SYSTEM_PACKAGES: 'switchboard-no-such-package' }
    });
    expect(res.status).toBe(EXIT_MISSING);
    expect(res.stdout).toContain('No test was run');
    expect(res.stdout).toContain('sudo apt-get install -y --no-install-recommends switchboard-no-such-package');
  });

  it('reports nothing to do when every package is present', () => {
    const res = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    // The suite itself ran this step first, so every listed package is installed by now.
    expect(res.stdout).toBe('');
    expect(res.status).toBe(0);
  });
});
