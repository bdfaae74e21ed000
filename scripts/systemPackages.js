#!/usr/bin/env node
'use strict';
/**
 * The one list of Debian packages the test suite needs, and the step that makes
 * sure they are there before any test runs. `npm test` and `.ci/run` both call it,
 * so a missing package is reported (or installed) up front instead of surfacing as
 * a confusing test failure halfway through the suite.
 *
 *   node scripts/systemPackages.js            install what is missing (root + apt), else explain
 *   node scripts/systemPackages.js --check    only report; exit 3 if anything is missing
 *
 * `npm start` needs none of these: only the tests do.
 */
const { spawnSync } = require('node:child_process');

/** Every package, with the tests that use it (keep the reason next to the name). */
const SYSTEM_PACKAGES = [
  { name: 'chromium', why: 'e2e tests drive the console in headless Chromium' },
  { name: 'python3-socketio', why: 'interop tests with a Socket.IO client we did not write' },
  { name: 'python3-websockets', why: 'interop tests with a WebSocket client we did not write' },
  { name: 'python3-websocket', why: 'python-socketio over the websocket transport' },
  { name: 'python3-requests', why: 'python-socketio over HTTP long-polling' },
  { name: 'poppler-utils', why: 'the printable report is checked with pdftotext' },
  { name: 'fonts-dejavu-core', why: 'Chromium renders screenshots and PDFs with real glyphs' },
  { name: 'postgresql', why: 'cluster-mode tests start a throwaway PostgreSQL (the shared log, outbox and leases)' },
  { name: 'redis-server', why: 'cluster-mode tests start a throwaway Redis (live traffic across nodes)' },
  { name: 'haproxy', why: 'the failover test puts the cluster nodes behind the reference load balancer' }
];

/** Exit code when packages are missing and this process cannot install them. */
const EXIT_MISSING = 3;

function packageNames() {
  // A test can add a name that does not exist to see the refusal path for real.
  const extra = (process.env.SWITCHBOARD_EXTRA_SYSTEM_PACKAGES ?? '').split(/[\s,]+/).filter(Boolean);
  return [...SYSTEM_PACKAGES.map((p) => p.name), ...extra];
}

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Names that dpkg does not report as installed. */
function missingPackages(names) {
  return names.filter((name) => {
    const res = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return res.status !== 0 || !res.stdout.includes('install ok installed');
  });
}

/**
 * What to do about the missing packages, decided from facts alone so the choice
 * is testable without changing who runs the test.
 */
function plan({ missing, isRoot, hasApt, checkOnly }) {
  if (missing.length === 0) return { action: 'none' };
  const list = missing.join(' ');
  if (!checkOnly && isRoot && hasApt) return { action: 'install', list };
  const command = hasApt
    ? `${isRoot ? '' : 'sudo '}apt-get update && ${isRoot ? '' : 'sudo '}apt-get install -y --no-install-recommends ${list}`
    : `install the equivalents of these Debian packages with your system's package manager: ${list}`;
  return { action: 'refuse', list, command };
}

function install(list) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const log = [];
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...list.split(' ')]]) {
    const res = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    log.push(res.stdout ?? '', res.stderr ?? '');
    if (res.status !== 0) return { ok: false, output: log.join('').split('\n').slice(-20).join('\n') };
  }
  return { ok: true };
}

/** Makes sure every package is present. Returns an exit code: 0 when the suite can run. */
function ensureSystemPackages({ checkOnly = false, out = process.stdout } = {}) {
  const dpkg = hasCommand('dpkg-query');
  const names = packageNames();
  const missing = dpkg ? missingPackages(names) : names;
  const decision = plan({
    missing,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasApt: dpkg && hasCommand('apt-get'),
    checkOnly
  });
  if (decision.action === 'none') return 0;
  if (decision.action === 'install') {
    const res = install(decision.list);
    if (res.ok) {
      out.write(`system packages: installed ${decision.list}\n`);
      return 0;
    }
    out.write(`system packages: apt-get could not install ${decision.list}:\n${res.output}\n`);
    return EXIT_MISSING;
  }
  out.write(
    `The test suite needs system packages that are missing: ${decision.list}.\n` +
      `No test was run. Install them, then run npm test again:\n  ${decision.command}\n`
  );
  return EXIT_MISSING;
}

module.exports = { SYSTEM_PACKAGES, EXIT_MISSING, plan, ensureSystemPackages };

if (require.main === module) {
  const checkOnly = process.argv.includes('--check');
  process.exitCode = ensureSystemPackages({ checkOnly });
}
