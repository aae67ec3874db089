'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/**
 * One install-time patch of a file under @platformatic/kafka/dist. `apply(source)` returns the patched
 * text, or undefined when the file no longer has the shape the patch expects: then the install fails,
 * so an upgrade of the library cannot silently drop a patch. `marker` makes a second run a no-op.
 */
function patchPlatformaticKafka({ name, file, marker, apply }) {
  const path = join(
    __dirname,
    '..',
    '..',
    'node_modules',
    '@platformatic',
    'kafka',
    'dist',
    ...file.split('/'),
  );
  if (!existsSync(path)) {
    console.log(`${name}: @platformatic/kafka is not installed; nothing to patch`);
    return;
  }
  const source = readFileSync(path, 'utf8');
  if (source.includes(marker)) {
    console.log(`${name}: already patched`);
    return;
  }
  const patched = apply(source);
  if (patched === undefined) {
    console.error(`${name}: the library changed; review tools/patches before upgrading`);
    process.exit(1);
  }
  writeFileSync(path, patched);
  console.log(`${name}: patched ${path}`);
}

module.exports = { patchPlatformaticKafka };
