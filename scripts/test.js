#!/usr/bin/env node
'use strict';
/**
 * `npm test`: typecheck, lint, build, then unit + integration, e2e (Chromium
 * against the built `switchboard serve`) and the CI-sized reliability suite.
 * Every step runs even if an earlier one failed, so one run shows everything;
 * the last line is the real total as "N passed, N failed". System packages the
 * suite needs are checked (and installed when run as root) before anything runs.
 */
const { spawnSync } = require('node:child_process');
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

function run(label, cmd, args, env = {}) {
  process.stdout.write(`\n=== ${label} ===\n`);
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`--- ${label}: ${res.status === 0 ? 'ok' : `FAILED (exit ${res.status ?? res.signal})`} in ${seconds}s\n`);
  return res.status === 0;
}

function check(label, cmd, args) {
  if (only.length && !only.includes(label)) return;
  if (run(label, cmd, args)) passed += 1;
  else {
    failed += 1;
    failures.push(label);
  }
}

function vitest(label, projects) {
  if (only.length && !only.includes(label)) return;
  const out = path.join(results, `vitest-${label}.json`);
  fs.rmSync(out, { force: true });
  const args = ['run', ...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${out}`];
  const ok = run(label, bin('vitest'), args);
  let counted = false;
  try {
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    counted = true;
    if (report.numFailedTests > 0) failures.push(`${label} (${report.numFailedTests} tests)`);
  } catch {
    // No report means the runner itself failed (config, import or crash).
  }
  if (!ok && (!counted || failures.every((f) => !f.startsWith(label)))) {
    failed += 1;
    failures.push(`${label} (runner)`);
  }
}

check('typecheck', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']);
check('typecheck-web', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']);
check('typecheck-e2e', bin('tsc'), ['-p', 'tsconfig.e2e.json', '--noEmit']);
check('lint', bin('eslint'), ['.']);
check('build', bin('electron-vite'), ['build']);
vitest('unit-integration', ['unit', 'integration', 'integration-cluster']);
vitest('e2e', ['e2e']);
vitest('reliability', ['reliability']);

if (failures.length) process.stdout.write(`\nFailed: ${failures.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
