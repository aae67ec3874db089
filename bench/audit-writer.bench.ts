/**
 * Audit writer throughput: `AuditRepository.appendBatch` (normalise, hash-chain, lock the chain heads,
 * insert into the monthly-partitioned `audit_record`, move the heads) against a plain multi-row INSERT
 * of the same rows into an ordinary table with the same key and indexes, without hashing, so the cost
 * of chaining and partitioning shows.
 *
 *   npm run build && node dist/bench/audit-writer.bench.js
 *
 * Environment: DATABASE_URL names the server (its database is not touched: a scratch database
 * `kyodo_bench_<random>` is created, migrated and dropped); BENCH_ROWS rows per run (default 50,000).
 * The rows are what the gateway audits for meter readings: three recipients per reading (area TSO,
 * enrolled aggregator, consented third party), eight field paths each, three audit-topic partitions,
 * offsets with a gap after every 50 records as transaction markers leave them.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import {
  auditRecordId,
  chain,
  outboundEventId,
  supplyPointHasher,
  verifyChain,
  type AuditRecord,
  type ChainInput,
} from '@kyodo/audit';
import { loadConfig } from '@kyodo/config';
import { dropDatabase, ensureDatabase, withDatabase } from '@kyodo/infra';
import {
  AuditRepository,
  createDataSource,
  ensureAuditPartitionsAround,
  runMigrations,
} from '@kyodo/persistence';

const BATCH_SIZES = [500, 1000, 2000] as const;
const AUDIT_PARTITIONS = 3;
const RECORDS_PER_TRANSACTION = 50;
const POLICY_VERSION = '2026-11-27.1';
const INBOUND_TOPIC = 'kyodo.in.R0001';

function rowsWanted(): number {
  const raw = process.env.BENCH_ROWS;
  if (raw === undefined || raw === '') return 50_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_ROWS must be a positive integer, got ${raw}`);
  return n;
}

const READING_PATHS = [
  'intervalMinutes',
  'intervals[].kwh',
  'intervals[].start',
  'readingDate',
  'retailerId',
];

/** One meter reading's deliveries as the router writes them: [recipient, role, relation, purpose, delivered, withheld]. */
const RECIPIENTS = [
  [
    'TD03',
    'tdso',
    'area-tdso',
    'td-operations',
    [...READING_PATHS, 'meterId', 'totalKwh'],
    ['customer.contractNumber'],
  ],
  [
    'DR001',
    'aggregator',
    'enrolled-aggregator',
    'negawatt-trading',
    [...READING_PATHS, 'totalKwh'],
    ['customer.contractNumber', 'meterId'],
  ],
  [
    'TP001',
    'third-party',
    'consented-third-party',
    'third-party-consent',
    [...READING_PATHS, 'totalKwh'],
    ['customer.contractNumber', 'meterId'],
  ],
] as const;

/** `count` audit records at their positions on the audit topic, in the order the writer meets them. */
function workload(count: number): ChainInput[] {
  const hmac = supplyPointHasher(randomBytes(32));
  const start = Date.now();
  const inboundOffsets = [0, 0, 0];
  const chainOffsets = new Array<number>(AUDIT_PARTITIONS).fill(0);
  const sinceMarker = new Array<number>(AUDIT_PARTITIONS).fill(0);
  const inputs: ChainInput[] = [];
  for (let reading = 0; inputs.length < count; reading++) {
    const supplyPointId = `03${String(reading % 5000).padStart(20, '0')}`;
    const supplyPointHmac = hmac(supplyPointId);
    const inboundPartition = reading % 3;
    const origin = {
      topic: INBOUND_TOPIC,
      partition: inboundPartition,
      offset: String(inboundOffsets[inboundPartition]++),
    };
    const day = 1 + (reading % 28);
    const inboundId = `MR-202611${String(day).padStart(2, '0')}-${String(reading).padStart(8, '0')}`;
    const source = 'urn:kyodo:party:R0001';
    // Keyed by the supply point's HMAC: one supply point's trail stays on one audit partition.
    const chainPartition = parseInt(supplyPointHmac.slice(0, 8), 16) % AUDIT_PARTITIONS;
    const time = new Date(start + reading).toISOString();
    for (const [recipientId, role, relation, purpose, delivered, withheld] of RECIPIENTS) {
      if (inputs.length === count) break;
      const record: AuditRecord = {
        id: auditRecordId(origin, recipientId),
        time,
        eventTime: `2026-11-${String(day + 1).padStart(2, '0')}T01:30:00+09:00`,
        inboundTopic: origin.topic,
        inboundPartition: origin.partition,
        inboundOffset: origin.offset,
        inboundSource: source,
        inboundId,
        type: 'jp.kyodo.meter-reading.v1',
        supplyPointHmac,
        recipientId,
        recipientRole: role,
        relations: [relation],
        purposes: [purpose],
        fieldsDelivered: [...delivered],
        fieldsWithheld: [...withheld],
        policyVersion: POLICY_VERSION,
        outcome: 'delivered',
        reason: null,
        outboundId: outboundEventId(source, inboundId, recipientId),
      };
      inputs.push({ record, chainPartition, chainOffset: String(chainOffsets[chainPartition]++) });
      if (++sinceMarker[chainPartition] === RECORDS_PER_TRANSACTION) {
        chainOffsets[chainPartition]++; // the commit marker's offset
        sinceMarker[chainPartition] = 0;
      }
    }
  }
  return inputs;
}

/** The writer's batches: each holds records of one audit partition, partitions taking turns. */
function batches(inputs: readonly ChainInput[], size: number): ChainInput[][] {
  const byPartition = new Map<number, ChainInput[]>();
  for (const input of inputs) {
    const list = byPartition.get(input.chainPartition) ?? [];
    list.push(input);
    byPartition.set(input.chainPartition, list);
  }
  const out: ChainInput[][] = [];
  const lists = [...byPartition.values()];
  for (let i = 0; lists.some((l) => i < l.length); i += size) {
    for (const list of lists) if (i < list.length) out.push(list.slice(i, i + size));
  }
  return out;
}

const COLUMNS = [
  'id',
  'time',
  'event_time',
  'inbound_topic',
  'inbound_partition',
  'inbound_offset',
  'inbound_source',
  'inbound_id',
  'type',
  'supply_point_hmac',
  'recipient_id',
  'recipient_role',
  'relations',
  'purposes',
  'fields_delivered',
  'fields_withheld',
  'policy_version',
  'outcome',
  'reason',
  'outbound_id',
  'chain_partition',
  'chain_offset',
  'prev_hash',
  'hash',
];
/** Stands in for the hashes the baseline does not compute (same width as a real one). */
const NO_HASH = '-'.repeat(64);

function plainValues(input: ChainInput): unknown[] {
  const r = input.record;
  return [
    r.id,
    r.time,
    r.eventTime,
    r.inboundTopic,
    r.inboundPartition,
    r.inboundOffset,
    r.inboundSource,
    r.inboundId,
    r.type,
    r.supplyPointHmac,
    r.recipientId,
    r.recipientRole,
    r.relations,
    r.purposes,
    r.fieldsDelivered,
    r.fieldsWithheld,
    r.policyVersion,
    r.outcome,
    r.reason,
    r.outboundId,
    input.chainPartition,
    input.chainOffset,
    NO_HASH,
    NO_HASH,
  ];
}

async function plainInsert(ds: DataSource, batch: readonly ChainInput[]): Promise<void> {
  const params: unknown[] = [];
  const tuples = batch.map((input) => {
    const first = params.length;
    params.push(...plainValues(input));
    return `(${COLUMNS.map((_, i) => `$${first + i + 1}`).join(', ')})`;
  });
  await ds.query(`INSERT INTO bench_plain (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

async function count(ds: DataSource, table: string): Promise<number> {
  const [row] = await ds.query<{ n: string }[]>(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(row.n);
}

const rate = (rows: number, seconds: number) => Math.round(rows / seconds).toLocaleString('en-US');

async function main(): Promise<void> {
  const rows = rowsWanted();
  const config = loadConfig();
  const url = withDatabase(config.databaseUrl, `kyodo_bench_${randomBytes(5).toString('hex')}`);
  await ensureDatabase(url);
  const ds = createDataSource(url, { poolSize: 2, applicationName: 'kyodo-bench' });
  try {
    await ds.initialize();
    await runMigrations(ds);
    await ensureAuditPartitionsAround(ds);
    // Same columns, key and indexes as audit_record, but one ordinary table.
    await ds.query(
      'CREATE TABLE bench_plain (LIKE audit_record INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)',
    );
    const [{ version }] = await ds.query<{ version: string }[]>(
      "SELECT current_setting('server_version') AS version",
    );
    const inputs = workload(rows);
    const repository = new AuditRepository(ds);

    const chainStart = performance.now();
    chain(inputs);
    const chainSeconds = (performance.now() - chainStart) / 1000;

    const results: { size: number; chained: number; plain: number }[] = [];
    for (const size of BATCH_SIZES) {
      const work = batches(inputs, size);
      await ds.query('TRUNCATE audit_record, audit_chain_head, bench_plain');
      await ds.query('VACUUM ANALYZE audit_record');
      let inserted = 0;
      const chained = await timed(async () => {
        for (const batch of work) inserted += (await repository.appendBatch(batch)).inserted;
      });
      if (inserted !== rows || (await count(ds, 'audit_record')) !== rows) {
        throw new Error(`appendBatch stored ${inserted} of ${rows} rows`);
      }
      const plain = await timed(async () => {
        for (const batch of work) await plainInsert(ds, batch);
      });
      if ((await count(ds, 'bench_plain')) !== rows) throw new Error('the plain INSERT lost rows');
      results.push({ size, chained, plain });
    }

    const verifySeconds = await timed(async () => {
      const result = await verifyChain(repository.streamChain());
      if (!result.ok) throw new Error(`the benchmark's own chain does not verify: ${result.firstBad.detail}`);
    });

    const perRow = (seconds: number) => `${((seconds / rows) * 1e6).toFixed(1)} µs`;
    console.log(
      `Audit writer: ${rows.toLocaleString('en-US')} audit rows (meter readings, 3 recipients, 8 field paths), ` +
        `${AUDIT_PARTITIONS} chains. PostgreSQL ${version}, Node ${process.version}.`,
    );
    console.log('');
    console.log(
      `${'batch'.padStart(6)}  ${'appendBatch rows/s'.padStart(19)}  ${'plain INSERT rows/s'.padStart(20)}  ${'time ratio'.padStart(10)}`,
    );
    for (const r of results) {
      console.log(
        `${String(r.size).padStart(6)}  ${rate(rows, r.chained).padStart(19)}  ${rate(rows, r.plain).padStart(20)}  ` +
          `${`${(r.chained / r.plain).toFixed(2)}x`.padStart(10)}`,
      );
    }
    console.log('');
    console.log(
      'appendBatch: normalise + SHA-256 chain + head lock + jsonb_to_recordset INSERT into the partitioned table.',
    );
    console.log(
      'plain INSERT: multi-row VALUES into an unpartitioned copy (same key and indexes), no hashing.',
    );
    console.log(
      `chain() alone (CPU, no I/O): ${rate(rows, chainSeconds)} rows/s (${perRow(chainSeconds)} a row)`,
    );
    console.log(
      `verifyChain(streamChain()):  ${rate(rows, verifySeconds)} rows/s (${perRow(verifySeconds)} a row)`,
    );
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await dropDatabase(url);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `audit writer benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
