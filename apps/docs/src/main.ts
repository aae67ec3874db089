import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderAll, repoRoot } from './render';

/**
 * Writes docs/asyncapi.yaml and docs/openapi.json from the sources (`npm run docs:generate`).
 * With `--check`, writes nothing and exits 1 naming each document that differs from a fresh build.
 */
async function main(check: boolean): Promise<number> {
  const root = repoRoot();
  let stale = 0;
  for (const document of await renderAll()) {
    const file = join(root, document.path);
    let committed: string | undefined;
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      committed = undefined;
    }
    if (committed === document.text) {
      process.stdout.write(`${document.path}: up to date\n`);
    } else if (check) {
      process.stderr.write(`${document.path}: out of date; run npm run docs:generate\n`);
      stale += 1;
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, document.text);
      process.stdout.write(`${document.path}: written\n`);
    }
  }
  return stale === 0 ? 0 : 1;
}

main(process.argv.includes('--check')).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
