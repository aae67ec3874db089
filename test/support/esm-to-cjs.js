// Jest runs the tests as CommonJS and cannot require() an ES module the way Node.js ≥ 20.19 can, so the
// ESM-only @platformatic packages are transpiled to CommonJS for the tests (only for the tests: the
// built apps load them natively). `import.meta.url` has no CommonJS form and becomes the file's URL.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const ts = require('typescript');

const SELF = createHash('sha256').update(readFileSync(__filename)).digest('hex');

module.exports = {
  getCacheKey(source, filename) {
    return createHash('sha256').update(SELF).update(filename).update(source).digest('hex');
  },
  process(source, filename) {
    // A module-level `const require = createRequire(import.meta.url)` would clash with CommonJS' own.
    const code = source
      .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
      .replace(/import\.meta\.url/g, 'require("node:url").pathToFileURL(__filename).href');
    const { outputText } = ts.transpileModule(code, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    return { code: outputText };
  },
};
