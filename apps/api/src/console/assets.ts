import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The files the console's pages load, all served from this process: no external CDN. */
export const CONSOLE_ASSETS = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'chart.umd.min.js': 'text/javascript; charset=utf-8',
} as const;
export type ConsoleAsset = keyof typeof CONSOLE_ASSETS;

export function isConsoleAsset(name: string): name is ConsoleAsset {
  return Object.prototype.hasOwnProperty.call(CONSOLE_ASSETS, name);
}

/**
 * The console's own files sit in apps/api/console, beside src/. From a `tsc` build under dist/ (which
 * copies no .js or .css from outside src) they are found in the source tree the build came from.
 */
export function consoleAssetDir(): string {
  const beside = resolve(__dirname, '..', '..', 'console');
  if (existsSync(join(beside, 'console.js'))) return beside;
  const fromBuild = resolve(__dirname, '..', '..', '..', '..', '..', 'apps', 'api', 'console');
  return existsSync(join(fromBuild, 'console.js')) ? fromBuild : beside;
}

/** Chart.js's browser build, from node_modules. */
function chartJsPath(): string {
  // The package's exports map names only its module entry points; its dist folder holds the UMD build.
  return join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
}

/** Reads each asset once and keeps it. */
export class ConsoleAssets {
  private readonly cache = new Map<ConsoleAsset, Buffer>();

  constructor(private readonly dir: string = consoleAssetDir()) {}

  read(name: ConsoleAsset): Buffer {
    let body = this.cache.get(name);
    if (!body) {
      body = readFileSync(name === 'chart.umd.min.js' ? chartJsPath() : join(this.dir, name));
      this.cache.set(name, body);
    }
    return body;
  }
}
