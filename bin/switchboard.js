#!/usr/bin/env node
'use strict';
// The CLI runs the bundled core from out/main (built by `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'out', 'main', 'cli.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('switchboard: not built yet. Run `npm run build` (or `npm start`) first.\n');
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
