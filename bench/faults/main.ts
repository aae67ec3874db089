/**
 * The fault suite: `npm run faults [-- --short] [--only kill9,zombie] [--skip postgres]`.
 *
 * Runs on a broker of its own (127.0.0.1:19092, state under the cache directory), which the broker
 * scenario stops and starts; the postgres scenario stops the machine's PostgreSQL for a while (skip it
 * where others share the server). Each scenario prints one row of the table; the JSON goes to
 * reports/faults.json. Exits 1 if any row fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@kyodo/config';
import { LocalKafka } from '@kyodo/infra';
import { FULL, SCENARIOS, SHORT } from './scenarios';
import { ROOT, type FaultRow } from './stage';

export const FAULT_BROKER_PORT = 19092;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const COLUMNS: [keyof FaultRow, string][] = [
  ['scenario', 'scenario'],
  ['eventsIn', 'events in'],
  ['delivered', 'delivered'],
  ['rejected', 'rejected'],
  ['duplicates', 'duplicates seen'],
  ['missing', 'missing'],
  ['auditRows', 'audit rows'],
  ['chainVerified', 'chain verified'],
  ['balanced', 'in = accepted + rejected'],
  ['seconds', 's'],
  ['ok', 'ok'],
];

export function markdownRow(row: FaultRow): string {
  return `| ${COLUMNS.map(([key]) => String(row[key])).join(' | ')} |${row.note ? ` ${row.note}` : ''}`;
}

export function startFaultBroker(log: (line: string) => void): LocalKafka {
  const config = loadConfig();
  return new LocalKafka({
    repoRoot: ROOT,
    cacheDir: config.cacheDir,
    stateDir: join(config.cacheDir, 'faults-broker'),
    port: FAULT_BROKER_PORT,
    controllerPort: FAULT_BROKER_PORT + 1,
    progress: log,
  });
}

async function main(): Promise<void> {
  const sizes = process.argv.includes('--short') ? SHORT : FULL;
  const only = arg('--only')?.split(',');
  const skip = new Set(arg('--skip')?.split(',') ?? []);
  const names = Object.keys(SCENARIOS).filter((n) => (!only || only.includes(n)) && !skip.has(n));
  const unknown = [...(only ?? []), ...skip].filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0)
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);
  const broker = startFaultBroker(log);
  const { brokers } = await broker.up();
  const config = loadConfig();
  console.log(`| ${COLUMNS.map(([, title]) => title).join(' | ')} |`);
  console.log(`|${COLUMNS.map(() => '---').join('|')}|`);
  const rows: FaultRow[] = [];
  for (const name of names) {
    log(`${name}: starting`);
    let row: FaultRow;
    try {
      row = await SCENARIOS[name]({ brokers, databaseUrl: config.databaseUrl, broker, log }, sizes);
    } catch (error) {
      log(`${name}: ${(error as Error).stack ?? String(error)}`);
      row = {
        scenario: name,
        eventsIn: 0,
        delivered: 0,
        rejected: 0,
        duplicates: 0,
        missing: 0,
        auditRows: 0,
        chainVerified: false,
        balanced: false,
        seconds: 0,
        ok: false,
        note: `failed to run: ${(error as Error).message.split('\n')[0]}`,
      };
    }
    rows.push(row);
    console.log(markdownRow(row));
  }
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  writeFileSync(join(ROOT, 'reports', 'faults.json'), JSON.stringify(rows, null, 2));
  if (!process.argv.includes('--keep-broker')) await broker.down();
  process.exit(rows.every((r) => r.ok) ? 0 : 1);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
}
