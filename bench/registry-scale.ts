/**
 * The registry at national scale.
 *
 *   npm run build
 *   node dist/bench/registry-scale.js write FILE [--consents N] [--enrollments N] [--parties N] [--without-parties]
 *       a seeded NDJSON registry: 1 occto, 10 tdsos, then retailers, aggregators and third parties
 *       (`--consents 0 --enrollments 0` for the parties alone, `--without-parties` for the rest)
 *   /usr/bin/time -v npx kyodo registry import FILE        (time and peak RSS of the import)
 *   node dist/bench/registry-scale.js lookups [--batches N] [--batch N]
 *       what a gateway pays per batch: the enrollments and consents of a batch's random supply points
 *       read from PostgreSQL (DATABASE_URL), cold cache
 *   node dist/bench/registry-scale.js change FILE
 *       one consent revoked in FILE (a one-line NDJSON file to import while a gateway runs)
 *   node --expose-gc dist/bench/registry-scale.js whole
 *       the registry as gateways held it before: the whole snapshot in memory (time, RSS)
 *   node --expose-gc dist/bench/registry-scale.js bounded [--batches N] [--batch N] [--cache N]
 *       the gateway's bounded registry: start, batches of random supply points through the cache
 *       (RSS once the cache is full), then one consent revoked and the change applied
 *
 * Supply point ids are `<area><20 digits>`: consent i is for supply point i, enrollment j for supply
 * point 2j, so some supply points have both and most have one or none.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { RegistrySnapshot } from '@kyodo/contracts';
import { createDataSource, RegistryRepository } from '@kyodo/persistence';
import { BoundedRegistry } from '../apps/gateway/src/bounded-registry';
import { loadConfig } from '@kyodo/config';

const AREAS = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'];

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** xorshift32: the same registry for the same arguments. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

export function supplyPointId(n: number): string {
  return `${AREAS[n % 10]}${String(n).padStart(20, '0')}`;
}

export function partyIds(parties: number): {
  retailers: string[];
  aggregators: string[];
  thirdParties: string[];
} {
  const rest = parties - 11;
  const retailers = Array.from(
    { length: Math.floor(rest * 0.5) },
    (_, i) => `R${String(i).padStart(5, '0')}`,
  );
  const aggregators = Array.from(
    { length: Math.floor(rest * 0.2) },
    (_, i) => `DR${String(i).padStart(4, '0')}`,
  );
  const thirdParties = Array.from(
    { length: rest - retailers.length - aggregators.length },
    (_, i) => `TP${String(i).padStart(4, '0')}`,
  );
  return { retailers, aggregators, thirdParties };
}

async function write(file: string): Promise<void> {
  const parties = option('parties', 1000);
  const consents = option('consents', 5_000_000);
  const enrollments = option('enrollments', 2_000_000);
  const next = random(42);
  const out = createWriteStream(file);
  let buffered: string[] = [];
  const emit = async (row: object) => {
    buffered.push(JSON.stringify(row));
    if (buffered.length >= 10_000) {
      if (!out.write(`${buffered.join('\n')}\n`)) await once(out, 'drain');
      buffered = [];
    }
  };
  const ids = partyIds(parties);
  if (!process.argv.includes('--without-parties')) {
    await emit({ kind: 'party', id: 'OCCTO', role: 'occto', name: 'OCCTO' });
    for (const area of AREAS)
      await emit({ kind: 'party', id: `TD${area}`, role: 'tdso', area, name: `T&D ${area}` });
    for (const id of ids.retailers)
      await emit({ kind: 'party', id, role: 'retailer', name: `Retailer ${id}` });
    for (const id of ids.aggregators)
      await emit({ kind: 'party', id, role: 'aggregator', name: `Aggregator ${id}` });
    for (const id of ids.thirdParties)
      await emit({ kind: 'party', id, role: 'third-party', name: `Service ${id}` });
  }
  for (let i = 0; i < consents; i++) {
    const r = next();
    await emit({
      kind: 'consent',
      id: `C${i}`,
      thirdPartyId: ids.thirdParties[Math.floor(r * ids.thirdParties.length)],
      supplyPointId: supplyPointId(i),
      categories: r < 0.5 ? ['meter-reading'] : ['meter-reading', 'negawatt'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: r < 0.05 ? '2026-06-01T00:00:00Z' : null,
    });
  }
  for (let j = 0; j < enrollments; j++) {
    await emit({
      kind: 'enrollment',
      aggregatorId: ids.aggregators[Math.floor(next() * ids.aggregators.length)],
      supplyPointId: supplyPointId(2 * j),
      from: '2026-04-01',
      to: '2027-03-31',
    });
  }
  out.end(buffered.length > 0 ? `${buffered.join('\n')}\n` : '');
  await once(out, 'finish');
  process.stdout.write(`${file}: ${parties} parties, ${consents} consents, ${enrollments} enrollments\n`);
}

async function lookups(): Promise<void> {
  const batches = option('batches', 200);
  const size = option('batch', 500);
  const range = option('supply-points', 5_000_000);
  const ds = createDataSource(loadConfig().databaseUrl, { poolSize: 2 });
  await ds.initialize();
  const repository = new RegistryRepository(ds);
  const next = random(7);
  const times: number[] = [];
  let rows = 0;
  for (let b = 0; b < batches; b++) {
    const ids = Array.from({ length: size }, () => supplyPointId(Math.floor(next() * range)));
    const started = performance.now();
    const found = await repository.loadSupplyPoints(ids);
    times.push(performance.now() - started);
    rows += found.consents.length + found.enrollments.length;
  }
  await ds.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
  process.stdout.write(
    `${batches} batches of ${size} supply points (cold): p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, ` +
      `${(rows / batches).toFixed(0)} rows per batch\n`,
  );
}

async function change(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.end(
    `${JSON.stringify({
      kind: 'consent',
      id: 'C1',
      thirdPartyId: partyIds(option('parties', 1000)).thirdParties[0],
      supplyPointId: supplyPointId(1),
      categories: ['meter-reading'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: new Date().toISOString(),
    })}\n`,
  );
  await once(out, 'finish');
}

function memory(): string {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return `RSS ${(m.rss / 2 ** 20).toFixed(0)} MiB, heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB`;
}

async function whole(): Promise<void> {
  const ds = createDataSource(loadConfig().databaseUrl, { poolSize: 2 });
  await ds.initialize();
  process.stdout.write(`before: ${memory()}\n`);
  const started = performance.now();
  const loaded = await new RegistryRepository(ds).loadSnapshot();
  const snapshot = new RegistrySnapshot(loaded.data);
  const ms = performance.now() - started;
  process.stdout.write(
    `whole snapshot: ${snapshot.parties.size} parties, ${loaded.data.consents.length} consents, ` +
      `${loaded.data.enrollments.length} enrollments loaded in ${(ms / 1000).toFixed(1)}s; ${memory()}\n`,
  );
  await ds.destroy();
}

async function bounded(): Promise<void> {
  const batches = option('batches', 400);
  const size = option('batch', 500);
  const range = option('supply-points', 5_000_000);
  const ds = createDataSource(loadConfig().databaseUrl, { poolSize: 2 });
  await ds.initialize();
  const repository = new RegistryRepository(ds);
  process.stdout.write(`before: ${memory()}\n`);
  const registry = new BoundedRegistry(repository, option('cache', 100_000));
  let started = performance.now();
  await registry.catchUp();
  process.stdout.write(
    `start: ${registry.directory.parties.size} parties in ${(performance.now() - started).toFixed(0)} ms; ${memory()}\n`,
  );
  const next = random(11);
  const times: number[] = [];
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: size }, () => ({
      key: Buffer.from(supplyPointId(Math.floor(next() * range))),
    }));
    const t = performance.now();
    await registry.forBatch(records);
    times.push(performance.now() - t);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
  const cached = registry.cached;
  process.stdout.write(
    `${batches} batches of ${size} random supply points: lookup p50 ${at(0.5)} ms, p99 ${at(0.99)} ms; ` +
      `cache ${cached.size} supply points (${cached.hits} hits, ${cached.misses} misses); ${memory()}\n`,
  );
  // One change: consent C1 revoked (supply point 1), imported, then applied by the registry.
  const held = await registry.forBatch([{ key: Buffer.from(supplyPointId(1)) }]);
  const before = held.consentsFor(supplyPointId(1)).map((c) => c.revokedAt);
  const [consent] = (await repository.loadSupplyPoints([supplyPointId(1)])).consents;
  started = performance.now();
  await repository.importRegistry({
    parties: [],
    enrollments: [],
    consents: [{ ...consent, revokedAt: new Date().toISOString() }],
  });
  const imported = performance.now() - started;
  started = performance.now();
  const done = await registry.catchUp();
  const applied = performance.now() - started;
  const after = (await registry.forBatch([{ key: Buffer.from(supplyPointId(1)) }]))
    .consentsFor(supplyPointId(1))
    .map((c) => c.revokedAt);
  process.stdout.write(
    `one consent revoked: import ${imported.toFixed(0)} ms, applied by the registry in ${applied.toFixed(0)} ms ` +
      `(${done.kind}${done.kind === 'applied' ? `, ${done.evicted} evicted` : ''}); revokedAt ${JSON.stringify(before)} -> ${JSON.stringify(after)}\n`,
  );
  await ds.destroy();
}

async function main(): Promise<void> {
  const [command, file] = process.argv.slice(2);
  if (command === 'write' && file) return write(file);
  if (command === 'lookups') return lookups();
  if (command === 'change' && file) return change(file);
  if (command === 'whole') return whole();
  if (command === 'bounded') return bounded();
  process.stderr.write(
    'usage: registry-scale.js write FILE [--consents N --enrollments N --parties N] | lookups | change FILE\n',
  );
  process.exitCode = 2;
}

void main();
