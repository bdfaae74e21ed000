#!/usr/bin/env node
'use strict';
/**
 * `npm start`: builds the app, then opens the Electron console. Where the
 * Electron runtime cannot start (its binary was never downloaded, which is
 * the case on machines that reach only the npm registry, or Linux without a
 * display) it says why in one line and runs `switchboard serve` instead, which
 * prints the URL to open in a browser. Arguments pass through to either.
 *
 * The binary is located by reading node_modules/electron/path.txt and dist/
 * directly: `require('electron')` would start a download that hangs offline.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const PROBE_TIMEOUT_MS = 10_000;
/** An Electron that dies this soon after launch never got going: fall back. */
const EARLY_EXIT_MS = 5_000;
/** Terminal Ctrl-C and npm both deliver SIGINT: one press, one forwarded signal. */
const DUPLICATE_SIGNAL_MS = 2_000;

/** Executable path inside node_modules/electron/dist, as electron's own install.js names it. */
function platformExecutable(platform) {
  if (platform === 'darwin' || platform === 'mas') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') return 'electron';
  return null;
}

/**
 * Decides how to start, without side effects: everything it looks at comes in
 * through `probe`, so tests can describe any machine.
 * Returns { mode: 'electron', binary } or { mode: 'serve', reason }.
 */
function decideLaunch(probe) {
  const { env, platform, electronDir, exists, readFile, runsAsNode } = probe;
  if (env.SWITCHBOARD_HEADLESS === '1') {
    return { mode: 'serve', reason: 'SWITCHBOARD_HEADLESS=1 is set' };
  }
  if (!exists(path.join(electronDir, 'package.json'))) {
    return { mode: 'serve', reason: 'the electron package is not installed' };
  }
  let relative = null;
  const pathFile = path.join(electronDir, 'path.txt');
  if (exists(pathFile)) relative = readFile(pathFile).trim() || null;
  relative = relative || platformExecutable(platform);
  if (!relative) return { mode: 'serve', reason: `Electron has no build for platform ${platform}` };
  const distDir = env.ELECTRON_OVERRIDE_DIST_PATH || path.join(electronDir, 'dist');
  const binary = path.join(distDir, relative);
  if (!exists(binary)) {
    return {
      mode: 'serve',
      reason: 'the Electron runtime is not downloaded (node_modules/electron/dist is empty; it comes from GitHub, which this machine cannot reach)'
    };
  }
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { mode: 'serve', reason: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  }
  const check = runsAsNode(binary);
  if (!check.ok) return { mode: 'serve', reason: `the Electron runtime does not run here (${check.detail})` };
  return { mode: 'electron', binary };
}

/** Runs the binary as plain Node for a moment: catches missing shared libraries without opening a window. */
function runsAsNode(binary) {
  const result = spawnSync(binary, ['-e', 'process.exit(0)'], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    timeout: PROBE_TIMEOUT_MS,
    encoding: 'utf8'
  });
  if (result.error) return { ok: false, detail: result.error.code === 'ETIMEDOUT' ? 'probe timed out' : result.error.message };
  if (result.status !== 0) {
    const firstLine = (result.stderr || '').split('\n').find((line) => line.trim()) || `exit code ${result.status}`;
    return { ok: false, detail: firstLine.trim().slice(0, 160) };
  }
  return { ok: true };
}

function realProbe() {
  return {
    env: process.env,
    platform: process.platform,
    electronDir: path.join(ROOT, 'node_modules', 'electron'),
    exists: (file) => fs.existsSync(file),
    readFile: (file) => fs.readFileSync(file, 'utf8'),
    runsAsNode
  };
}

/**
 * Passes SIGINT/SIGTERM to the child once. Under `npm start` a Ctrl-C reaches
 * us twice (terminal and npm), and a second signal tells `serve` to skip its
 * graceful flush; a repeat within DUPLICATE_SIGNAL_MS is that echo, a later
 * one is the user insisting.
 */
function forwardSignals(child) {
  const lastSent = new Map();
  const handlers = {};
  for (const signal of ['SIGINT', 'SIGTERM']) {
    handlers[signal] = () => {
      const now = Date.now();
      if (now - (lastSent.get(signal) || 0) < DUPLICATE_SIGNAL_MS) return;
      lastSent.set(signal, now);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    process.on(signal, handlers[signal]);
  }
  return () => {
    for (const signal of Object.keys(handlers)) process.off(signal, handlers[signal]);
  };
}

/** Spawns in its own process group (POSIX) so only our forwarded signal reaches it. */
function run(command, args) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', detached: process.platform !== 'win32' });
    const stopForwarding = forwardSignals(child);
    child.on('error', (err) => {
      stopForwarding();
      resolve({ code: 1, signal: null, error: err, ranMs: Date.now() - started });
    });
    child.on('exit', (code, signal) => {
      stopForwarding();
      resolve({ code, signal, ranMs: Date.now() - started });
    });
  });
}

function build() {
  const bin = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite');
  const result = spawnSync(bin, ['build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    process.stderr.write('switchboard: the build failed (see above); nothing was started.\n');
    process.exit(result.status || 1);
  }
}

/**
 * The hub allocates a short-lived object graph per event; with V8's default young
 * generation it scavenged ~13 times a second at 10k events/s. 64 MB semi-spaces,
 * measured: main-thread GC 13% -> 4.5%, hub CPU 135 -> 123 us per event (bench/README.md).
 * V8 reads it only at start, so it is a command-line flag (also in package.json's serve/demo).
 */
const HUB_V8_FLAG = '--max-semi-space-size=64';
const serve = (args) => run(process.execPath, [HUB_V8_FLAG, path.join(ROOT, 'bin', 'switchboard.js'), 'serve', ...args]);

async function main(args) {
  const decision = decideLaunch(realProbe());
  if (process.env.SWITCHBOARD_SKIP_BUILD !== '1') build();
  if (decision.mode === 'electron') {
    const outcome = await run(decision.binary, [`--js-flags=${HUB_V8_FLAG}`, ROOT, ...args]);
    const crashedAtStart = outcome.error || (outcome.code !== 0 && outcome.signal === null && outcome.ranMs < EARLY_EXIT_MS);
    if (!crashedAtStart) return outcome.code ?? 1;
    const why = outcome.error ? outcome.error.message : `it exited with code ${outcome.code}`;
    process.stdout.write(`Electron could not start (${why}): running the console headless instead; open the URL below in a browser.\n`);
  } else {
    process.stdout.write(`Electron cannot start here because ${decision.reason}: running the console headless instead; open the URL below in a browser.\n`);
  }
  const outcome = await serve(args);
  return outcome.code ?? (outcome.signal ? 0 : 1);
}

module.exports = { decideLaunch, platformExecutable, runsAsNode };

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
