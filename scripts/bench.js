#!/usr/bin/env node
'use strict';
/**
 * `npm run bench [filter]`: runs every benchmark under bench/<area>/*.ts (each also
 * runs alone with `npx tsx bench/<area>/<file>.ts`), one after another so they do
 * not compete for the two cores, and lists the result files they wrote.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const benchDir = path.join(root, 'bench');
const filter = process.argv[2];
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

const files = fs
  .readdirSync(benchDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !['lib', 'results'].includes(d.name))
  .flatMap((d) =>
    fs
      .readdirSync(path.join(benchDir, d.name))
      .filter((f) => f.endsWith('.bench.ts'))
      .map((f) => path.join('bench', d.name, f))
  )
  .filter((f) => !filter || f.includes(filter))
  .sort();

if (files.length === 0) {
  console.error(`No benchmarks match ${filter ?? '(all)'}.`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n##### ${file}`);
  const res = spawnSync(tsx, ['--expose-gc', file], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    failed += 1;
    console.error(`${file} failed (exit ${res.status ?? res.signal})`);
  }
}
// Refresh the figures table in bench/README.md from the results just written.
spawnSync(tsx, [path.join('bench', 'summarize.ts')], { cwd: root, stdio: 'inherit' });
console.log(`\n${files.length - failed} benchmarks ran, ${failed} failed; results in bench/results/, table in bench/README.md`);
process.exitCode = failed ? 1 : 0;
