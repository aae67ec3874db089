import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { verifyChain, type AuditRecord, type ChainHead, type ChainInput } from '@kyodo/audit';
import type { RegistryData } from '@kyodo/contracts';
import { factory, supplyPointId, toRecordValue, fixtureParties } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import type { KyodoMetrics } from '@kyodo/observability';
import { AuditRepository, ensureAuditPartitionsAround } from '@kyodo/persistence';
import { METRICS } from '@kyodo/platform';
import { AuditModule } from '../../apps/audit/src/audit.module';
import {
  collect,
  createTestDatabase,
  testBrokers,
  testConfig,
  testKafka,
  waitFor,
  type CollectedRecord,
} from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';
import {
  auditRowCount,
  expectedDeliveries,
  openDatabase,
  send,
  storedRows,
  settleAuditRows,
  type Sent,
  type StoredRow,
} from './audit-support';

// Replaying the audit topic never makes a second row: a second audit writer re-reading kyodo.audit from
// the beginning, the same records fed to the repository again in any batching, a batch that overlaps
// what a crashed writer already stored, and two writers racing on the same records.

// Enough supply points (each keyed to an audit partition by its HMAC) that every audit partition gets a chain.
const SUPPLY_POINTS = Array.from({ length: 16 }, (_, i) => supplyPointId('06', i + 1));

const REGISTRY: RegistryData = {
  parties: fixtureParties('R0001', 'R0002', 'TD06', 'OCCTO', 'DR002', 'TP001'),
  enrollments: SUPPLY_POINTS.slice(0, 8).map((spid) => ({
    aggregatorId: 'DR002',
    supplyPointId: spid,
    from: '2026-01-01',
    to: '2027-12-31',
  })),
  consents: SUPPLY_POINTS.slice(4, 12).map((spid, i) => ({
    id: `C${i}`,
    thirdPartyId: 'TP001',
    supplyPointId: spid,
    categories: ['meter-reading' as const, 'negawatt' as const],
    from: '2026-01-01',
    to: '2027-12-31',
    revokedAt: null,
  })),
};

function traffic(round: number): Sent[] {
  return SUPPLY_POINTS.flatMap((spid, i): Sent[] => [
    {
      sender: 'OCCTO',
      event: factory.contractSwitch({
        seed: 100 * round + i,
        area: '06',
        supplyPointId: spid,
        sender: 'OCCTO',
      }),
    },
    {
      sender: 'TD06',
      event: factory.meterReading({
        seed: 100 * round + 50 + i,
        area: '06',
        supplyPointId: spid,
        readingDate: `2026-11-1${round}`,
        sender: 'TD06',
      }),
    },
    {
      sender: 'DR002',
      event: factory.negawatt({
        seed: 100 * round + 80 + i,
        area: '06',
        supplyPointId: spid,
        contractorId: 'DR002',
        date: `2026-11-1${round}`,
        sender: 'DR002',
      }),
    },
  ]);
}

/** The audit records as they sit on the topic: each at its (partition, offset), the position it is chained at. */
function chainInputs(records: readonly CollectedRecord[]): ChainInput[] {
  return records.map((r) => ({
    record: JSON.parse(r.value!.toString('utf8')) as AuditRecord,
    chainPartition: r.partition,
    chainOffset: r.offset,
  }));
}

/** Positions and hashes: two trails built from the same records must agree on every one of them. */
const chainOf = (rows: readonly StoredRow[]) =>
  rows.map((r) => [r.chain_partition, r.chain_offset, r.id, r.prev_hash, r.hash].join(' '));

async function verifyWithHeads(repository: AuditRepository) {
  const snapshot = await repository.openChainSnapshot();
  try {
    return await verifyChain(snapshot.rows, { heads: snapshot.heads, anchors: snapshot.anchors });
  } finally {
    await snapshot.close();
  }
}

async function counterValue(counter: KyodoMetrics['auditRowsSkipped']): Promise<number> {
  return (await counter.get()).values[0]?.value ?? 0;
}

describe('replaying audit records makes no duplicates (real Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  let admin: Admin;
  let config: KyodoConfig;
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let repository: AuditRepository;
  let audit: { records: CollectedRecord[]; stop: () => Promise<void> };
  let total: number;
  let original: StoredRow[];
  let originalHeads: ChainHead[];
  const scratch: { db: { url: string; drop: () => Promise<void> }; ds: DataSource }[] = [];

  beforeAll(async () => {
    admin = new Kafka({
      brokers: testBrokers(),
      clientId: 'audit-replay-test',
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    db = await createTestDatabase();
    config = testConfig({ databaseUrl: db.url });
    await importRegistry(config, kafka, REGISTRY);
    const kyodo = await startKyodo(config);
    ds = await openDatabase(db.url);
    repository = new AuditRepository(ds);
    try {
      audit = await collect(kafka, [kyodo.topics.audit]);
      const inbox = (id: string) => kyodo.topics.inbox(id);
      total = 0;
      for (const round of [1, 2]) {
        const sent = traffic(round);
        // A few rejected records too: they are audited and chained like deliveries.
        const bad = [1, 2, 3].map((n) => ({
          topic: inbox('TD06'),
          key: SUPPLY_POINTS[n],
          value: toRecordValue({ specversion: '1.0', round, n }),
        }));
        total += expectedDeliveries(sent, REGISTRY).length + bad.length;
        await send(kafka, inbox, sent, bad);
        await settleAuditRows(ds, total);
      }
      await waitFor(() => audit.records.length >= total, { what: `${total} records on the audit topic` });
    } finally {
      await kyodo.stop();
    }
    original = await storedRows(ds);
    originalHeads = await repository.chainHeads();
  });

  afterAll(async () => {
    await audit?.stop();
    await admin?.disconnect();
    for (const s of scratch) {
      if (s.ds.isInitialized) await s.ds.destroy();
      await s.db.drop();
    }
    if (ds?.isInitialized) await ds.destroy();
    await kafka.close();
    await db?.drop();
  });

  async function scratchRepository(): Promise<{ url: string; ds: DataSource; repository: AuditRepository }> {
    const scratchDb = await createTestDatabase();
    const scratchDs = await openDatabase(scratchDb.url);
    scratch.push({ db: scratchDb, ds: scratchDs });
    await ensureAuditPartitionsAround(scratchDs);
    return { url: scratchDb.url, ds: scratchDs, repository: new AuditRepository(scratchDs) };
  }

  it('built one row per audit record, chained across more than one partition', async () => {
    expect(audit.records).toHaveLength(total);
    expect(original).toHaveLength(total);
    expect(new Set(audit.records.map((r) => r.partition)).size).toBeGreaterThan(1);
    expect(await verifyWithHeads(repository)).toMatchObject({ ok: true, rows: total });
  });

  it('a second audit writer re-reading kyodo.audit from the beginning skips every record and adds no row', async () => {
    const groupId = `${config.topicPrefix}.audit-writer`;
    const topic = `${config.topicPrefix}.audit`;
    // The first writer committed its progress: started as it is, a writer would read nothing again.
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed.partitions.filter((p) => BigInt(p.offset) > 0n).length).toBeGreaterThan(0);
    // Forget that progress, so the next writer in this group starts from the earliest offset.
    await admin.deleteGroups([groupId]);
    const [forgotten] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(forgotten.partitions.every((p) => p.offset === '-1')).toBe(true);

    const writer = await startKyodo(config, [AuditModule]);
    try {
      const metrics = writer.app.get<KyodoMetrics>(METRICS);
      await waitFor(async () => (await counterValue(metrics.auditRowsSkipped)) >= total, {
        what: `the second writer to skip ${total} records`,
      });
      expect(await counterValue(metrics.auditRowsSkipped)).toBe(total);
      expect(await counterValue(metrics.auditRowsWritten)).toBe(0);
    } finally {
      await writer.stop();
    }
    expect(chainOf(await storedRows(ds))).toEqual(chainOf(original));
    expect(await repository.chainHeads()).toEqual(originalHeads);
    expect(await verifyWithHeads(repository)).toMatchObject({ ok: true, rows: total });
  });

  it('the same records fed to appendBatch again, whole or in reversed small batches, insert nothing', async () => {
    const inputs = chainInputs(audit.records);
    expect(await repository.appendBatch(inputs)).toMatchObject({ inserted: 0, skipped: total });
    const reversed = [...inputs].reverse();
    for (let i = 0; i < reversed.length; i += 7) {
      const batch = reversed.slice(i, i + 7);
      expect(await repository.appendBatch(batch)).toMatchObject({ inserted: 0, skipped: batch.length });
    }
    expect(await auditRowCount(ds)).toBe(total);
    expect(chainOf(await storedRows(ds))).toEqual(chainOf(original));
    expect(await repository.chainHeads()).toEqual(originalHeads);
    expect(await verifyWithHeads(repository)).toMatchObject({ ok: true, rows: total });
  });

  it('the same records at later positions (written to the topic twice) are recognised by their id and time', async () => {
    const inputs = chainInputs(audit.records).map((input) => ({
      ...input,
      chainOffset: (BigInt(input.chainOffset) + 1_000_000n).toString(),
    }));
    expect(await repository.appendBatch(inputs)).toMatchObject({ inserted: 0, skipped: total });
    expect(await auditRowCount(ds)).toBe(total);
    expect(await repository.chainHeads()).toEqual(originalHeads);
    expect(await verifyWithHeads(repository)).toMatchObject({ ok: true, rows: total });
  });

  it('after a crash between the database commit and the offset commit, an overlapping batch adds only the new rows', async () => {
    const { ds: crashDs, repository: crashed } = await scratchRepository();
    const inputs = chainInputs(audit.records);
    const stored: ChainInput[] = [];
    const redelivered: ChainInput[] = [];
    let overlap = 0;
    for (const partition of [...new Set(inputs.map((i) => i.chainPartition))]) {
      const chain = inputs
        .filter((i) => i.chainPartition === partition)
        .sort((a, b) => Number(BigInt(a.chainOffset) - BigInt(b.chainOffset)));
      const storedUpTo = Math.ceil(chain.length * 0.6);
      const resumeAt = Math.floor(chain.length * 0.4);
      stored.push(...chain.slice(0, storedUpTo));
      redelivered.push(...chain.slice(resumeAt));
      overlap += storedUpTo - resumeAt;
    }
    expect(overlap).toBeGreaterThan(0);
    expect(redelivered.length - overlap).toBeGreaterThan(0);

    expect(await crashed.appendBatch(stored)).toMatchObject({ inserted: stored.length, skipped: 0 });
    expect(await crashed.appendBatch(redelivered)).toMatchObject({
      inserted: redelivered.length - overlap,
      skipped: overlap,
    });
    expect(await auditRowCount(crashDs)).toBe(total);
    // Exactly the chain the writer built in one go: same rows at the same positions with the same hashes.
    expect(chainOf(await storedRows(crashDs))).toEqual(chainOf(original));
    expect(await crashed.chainHeads()).toEqual(originalHeads);
    expect(await verifyWithHeads(crashed)).toMatchObject({ ok: true, rows: total });
  });

  it('two writers appending the same records at the same time store each once', async () => {
    const { url, ds: sharedDs, repository: one } = await scratchRepository();
    const otherDs = await openDatabase(url);
    try {
      const two = new AuditRepository(otherDs);
      const inputs = chainInputs(audit.records);
      const [a, b] = await Promise.all([one.appendBatch(inputs), two.appendBatch(inputs)]);
      expect(a.inserted + b.inserted).toBe(total);
      expect(a.skipped + b.skipped).toBe(total);
      expect(await auditRowCount(sharedDs)).toBe(total);
      expect(chainOf(await storedRows(sharedDs))).toEqual(chainOf(original));
      expect(await verifyWithHeads(one)).toMatchObject({ ok: true, rows: total });
    } finally {
      await otherDs.destroy();
    }
  });
});
