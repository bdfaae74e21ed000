#!/usr/bin/env node
'use strict';
/**
 * `npm test`: typecheck, lint, build, then unit + integration (each integration
 * file listed in test/clusterModeFiles.mjs again in cluster mode), e2e (Chromium
 * against the built `switchboard serve`) and the CI-sized reliability suite.
 * Every step runs even if an earlier one failed, so one run shows everything;
 * the last line is the real total as "N passed, N failed". System packages the
 * suite needs are checked (and installed when run as root) before anything runs.
 *
 * Steps that do not depend on each other run at the same time (the typechecks and
 * lint; e2e and reliability), because much of their time is spent waiting on
 * servers, browsers and child processes rather than computing; their output is
 * kept per step and printed whole when the step ends, so it stays readable. The
 * suite is built to pass on a busy machine, so sharing the cores is safe.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { ensureSystemPackages } = require('./systemPackages');

const root = path.join(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const results = path.join(root, 'test-results');
fs.mkdirSync(results, { recursive: true });

const only = process.argv.slice(2);

// Before any test: the Debian packages the suite needs (installed when we may, else
// the one command to run). A missing browser must not look like a failing test.
const setup = ensureSystemPackages();
if (setup !== 0) process.exit(setup);
let passed = 0;
let failed = 0;
const failures = [];
/** The failed tests by name, with the first line of each failure: printed again at the very end. */
const failedTests = [];

/** Runs one step; resolves true when it exited 0. Its output is printed whole when it ends. */
function run(label, cmd, args, env = {}) {
  process.stdout.write(`--- ${label}: started\n`);
  const started = Date.now();
  const output = [];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0', ...env } });
    child.stdout.on('data', (c) => output.push(c));
    child.stderr.on('data', (c) => output.push(c));
    const finish = (status) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n=== ${label} ===\n`);
      process.stdout.write(Buffer.concat(output));
      process.stdout.write(`--- ${label}: ${status === 0 ? 'ok' : `FAILED (exit ${status})`} in ${seconds}s\n`);
      resolve(status === 0);
    };
    child.on('error', (err) => {
      output.push(Buffer.from(`could not start ${cmd}: ${err.message}\n`));
      finish('spawn error');
    });
    child.on('close', (code, signal) => finish(code ?? signal));
  });
}

async function check(label, cmd, args) {
  if (only.length && !only.includes(label)) return false;
  if (await run(label, cmd, args)) {
    passed += 1;
    return true;
  }
  failed += 1;
  failures.push(label);
  return false;
}

/**
 * Set once this run's build succeeded: tests then spawn the `switchboard` CLI
 * from that build instead of compiling the sources in every child process
 * (test/helpers/cli.ts). Without a build they run from source, as `vitest` alone does.
 */
const testEnv = {};

async function vitest(label, projects) {
  if (only.length && !only.includes(label)) return;
  const out = path.join(results, `vitest-${label}.json`);
  fs.rmSync(out, { force: true });
  const args = ['run', ...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${out}`];
  const ok = await run(label, bin('vitest'), args, testEnv);
  let counted = false;
  try {
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    counted = true;
    if (report.numFailedTests > 0) failures.push(`${label} (${report.numFailedTests} tests)`);
    for (const file of report.testResults ?? []) {
      const tests = file.assertionResults ?? [];
      if (file.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
        failedTests.push(`${path.relative(root, file.name)} (the file itself)\n    ${String(file.message ?? '').split('\n')[0].slice(0, 300)}`);
      }
      for (const test of tests) {
        if (test.status !== 'failed') continue;
        const reason = String(test.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
        failedTests.push(`${path.relative(root, file.name)} > ${test.fullName}\n    ${reason}`);
      }
    }
  } catch {
    // No report means the runner itself failed (config, import or crash).
  }
  if (!ok && (!counted || failures.every((f) => !f.startsWith(label)))) {
    failed += 1;
    failures.push(`${label} (runner)`);
  }
}

async function main() {
  const started = Date.now();
  await Promise.all([
    check('typecheck', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']),
    check('typecheck-web', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']),
    check('typecheck-e2e', bin('tsc'), ['-p', 'tsconfig.e2e.json', '--noEmit']),
    check('lint', bin('eslint'), ['.'])
  ]);
  if (await check('build', bin('electron-vite'), ['build'])) testEnv.SWITCHBOARD_TEST_BUILT = '1';
  await vitest('unit-integration', ['unit', 'unit-isolated', 'integration', 'integration-cluster']);
  await Promise.all([vitest('e2e', ['e2e']), vitest('reliability', ['reliability'])]);

  if (failures.length) process.stdout.write(`\nFailed: ${failures.join(', ')}\n`);
  for (const test of failedTests) process.stdout.write(`  ${test}\n`);
  process.stdout.write(`\nnpm test took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((err) => {
  process.stdout.write(`${err.stack}\n\n${passed} passed, ${failed + 1} failed\n`);
  process.exitCode = 1;
});
