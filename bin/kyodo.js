#!/usr/bin/env node
// The `kyodo` command. Runs the compiled CLI; `npm ci` builds it (the `prepare` script).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('kyodo is not built yet: run `npm run build` (or `npm ci`) first.\n');
  process.exit(2);
}
require(entry).runCli(process.argv);
