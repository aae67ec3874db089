/*
 * Medium tests: the persistence layer against a real PostgreSQL, in a throwaway database per file.
 * Needs a server at KYODO_TEST_DATABASE_URL / DATABASE_URL (default postgres://postgres@127.0.0.1:5432).
 */
import { randomBytes } from 'node:crypto';
// Explicit, so the file also compiles where the jest globals are not declared (tsconfig.build.json).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import {
  auditRowHash,
  GENESIS_HASH,
  normalizeAuditRecord,
  verifyChain,
  type AuditRecord,
  type ChainedAuditRow,
  type ChainInput,
  type ChainVerification,
} from '@kyodo/audit';
import type { RegistryData } from '@kyodo/contracts';
import { auditRecordFixture } from '../../audit/src/testing';
import { ApiKeyRepository, hashApiKey } from './api-key.repository';
import {
  auditPartitionName,
  AuditPartitionError,
  ensureAuditPartitions,
  ensureAuditPartitionsAround,
  listAuditPartitions,
  retireAuditPartition,
} from './audit-partitions';
import { AuditRepository } from './audit.repository';
import { createDataSource, runMigrations } from './data-source';
import { AuditQueryError, RegistryImportError } from './errors';
import { MIGRATIONS } from './migrations';
import { RegistryRepository } from './registry.repository';

const SERVER_URL =
  process.env.KYODO_TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function maintenance<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(SERVER_URL, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const DB_NAME = `kyodo_scratch_${randomBytes(6).toString('hex')}`;
let ds: DataSource;

beforeAll(async () => {
  await maintenance((c) => c.query(`CREATE DATABASE ${DB_NAME}`));
  ds = createDataSource(withDatabase(SERVER_URL, DB_NAME), { poolSize: 5 });
  await ds.initialize();
});

afterAll(async () => {
  if (ds?.isInitialized) await ds.destroy();
  await maintenance((c) => c.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`));
});

async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
  const rows = await ds.query<T[]>(sql, params);
  return rows[0];
}

const HEX64: unknown = expect.stringMatching(/^[0-9a-f]{64}$/);

function firstBad(result: ChainVerification) {
  if (result.ok) throw new Error('expected the chain to be found broken');
  return result.firstBad;
}

async function verifyStored(batchSize?: number): Promise<ChainVerification> {
  const snapshot = await new AuditRepository(ds).openChainSnapshot(undefined, batchSize);
  try {
    return await verifyChain(snapshot.rows, { heads: snapshot.heads, anchors: snapshot.anchors });
  } finally {
    await snapshot.close();
  }
}

describe('migrations', () => {
  it('build the schema on an empty database, once', async () => {
    const applied = await runMigrations(ds);
    expect(applied).toEqual([
      'Registry1764201600000',
      'Audit1764201600001',
      'ApiKeys1764201600002',
      'AuditCheckRuns1764201600100',
      'SubjectNotices1764201600101',
      'Trust1764466200000',
      'DlqOperations1764480000000',
      'Mailbox1764510000000',
      'RegistryChanges1764547200000',
    ]);
    await expect(runMigrations(ds)).resolves.toEqual([]);
    const tables = await ds.query<{ tablename: string }[]>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining([
        'agreement',
        'api_key',
        'audit_chain_anchor',
        'audit_check_run',
        'audit_chain_head',
        'audit_record',
        'audit_record_default',
        'audit_run',
        'consent',
        'enrollment',
        'kyodo_migrations',
        'party',
        'registry_change',
        'registry_version',
      ]),
    );
    const partitioned = await one<{ strategy: string }>(
      `SELECT partstrat AS strategy FROM pg_partitioned_table WHERE partrelid = 'audit_record'::regclass`,
    );
    expect(partitioned.strategy).toBe('r');
  });

  it('build exactly what the entities describe (TypeORM finds nothing to change)', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('undo cleanly and apply again', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    const left = await one<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'kyodo_migrations'`,
    );
    expect(left.n).toBe('0');
    await expect(runMigrations(ds)).resolves.toHaveLength(MIGRATIONS.length);
  });

  it('serialise concurrent runs', async () => {
    const other = createDataSource(withDatabase(SERVER_URL, DB_NAME), { poolSize: 1 });
    await other.initialize();
    try {
      await expect(Promise.all([runMigrations(ds), runMigrations(other)])).resolves.toEqual([[], []]);
    } finally {
      await other.destroy();
    }
  });
});

describe('RegistryRepository', () => {
  const registry: RegistryData = {
    parties: [
      { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
      { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
      { id: 'OCCTO', role: 'occto', name: 'OCCTO' },
      { id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
      { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
    ],
    enrollments: [
      {
        aggregatorId: 'DR001',
        supplyPointId: '0300000000000000000001',
        from: '2026-01-01',
        to: '2027-12-31',
      },
    ],
    consents: [
      {
        id: 'C1',
        thirdPartyId: 'TP001',
        supplyPointId: '0300000000000000000001',
        categories: ['meter-reading'],
        from: '2026-01-01',
        to: '2027-12-31',
        revokedAt: null,
      },
    ],
  };
  beforeAll(() => runMigrations(ds));

  const byId = <T extends { id: string }>(items: readonly T[]) =>
    [...items].sort((a, b) => a.id.localeCompare(b.id));

  it('imports, bumps the version, and loads back what was imported', async () => {
    const repo = new RegistryRepository(ds);
    await expect(repo.currentVersion()).resolves.toBe('0');
    await expect(repo.importRegistry(registry)).resolves.toEqual({
      parties: 5,
      enrollments: 1,
      consents: 1,
      agreements: 0,
      delegations: 0,
      agreementsListed: false,
      version: '1',
    });
    await expect(repo.currentVersion()).resolves.toBe('1');
    const loaded = await repo.loadSnapshot();
    expect(loaded.version).toBe('1');
    expect(byId(loaded.data.parties)).toEqual(byId(registry.parties));
    expect(loaded.data.enrollments).toEqual(registry.enrollments);
    expect(loaded.data.consents).toEqual(registry.consents);
    expect(loaded.data.parties.find((p) => p.id === 'R0001')).not.toHaveProperty('area');
  });

  it('upserts: changes what is named, keeps what is not', async () => {
    const repo = new RegistryRepository(ds);
    const result = await repo.importRegistry({
      parties: [
        { id: 'R0001', role: 'retailer', name: 'Renamed Power' },
        { id: 'R0002', role: 'retailer', name: 'New Power' },
      ],
      enrollments: [
        {
          aggregatorId: 'DR001',
          supplyPointId: '0300000000000000000001',
          from: '2026-01-01',
          to: '2026-06-30',
        },
      ],
      consents: [
        {
          ...registry.consents[0],
          categories: ['meter-reading', 'negawatt'],
          revokedAt: '2026-05-01T09:00:00+09:00',
        },
      ],
    });
    expect(result.version).toBe('2');
    const { data } = await repo.loadSnapshot();
    expect(data.parties.map((p) => p.id).sort()).toEqual([
      'DR001',
      'OCCTO',
      'R0001',
      'R0002',
      'TD03',
      'TP001',
    ]);
    expect(data.parties.find((p) => p.id === 'R0001')?.name).toBe('Renamed Power');
    expect(data.enrollments).toEqual([{ ...registry.enrollments[0], to: '2026-06-30' }]);
    expect(data.consents).toEqual([
      {
        ...registry.consents[0],
        categories: ['meter-reading', 'negawatt'],
        revokedAt: '2026-05-01T00:00:00.000Z',
      },
    ]);
  });

  it.each<[string, RegistryData, RegExp]>([
    [
      'a consent naming an unregistered party',
      {
        parties: [],
        enrollments: [],
        consents: [{ ...registry.consents[0], id: 'C2', thirdPartyId: 'TP999' }],
      },
      /not registered/,
    ],
    [
      'an enrollment naming a party that is not an aggregator',
      { parties: [], enrollments: [{ ...registry.enrollments[0], aggregatorId: 'R0001' }], consents: [] },
      /enrollment from 2026-01-01 names R0001, whose role is retailer; it must be an aggregator/,
    ],
    [
      'a role change that strands a consent',
      { parties: [{ id: 'TP001', role: 'retailer', name: 'x' }], enrollments: [], consents: [] },
      /consent C1 names TP001/,
    ],
    [
      'a tdso without an area',
      { parties: [{ id: 'TD05', role: 'tdso', name: 'x' }], enrollments: [], consents: [] },
      /out of range/,
    ],
    [
      'an area on a retailer',
      { parties: [{ id: 'R0009', role: 'retailer', area: '03', name: 'x' }], enrollments: [], consents: [] },
      /out of range/,
    ],
    [
      'a second OCCTO',
      { parties: [{ id: 'OCCTO2', role: 'occto', name: 'x' }], enrollments: [], consents: [] },
      /only one/,
    ],
    [
      'a bad supply point id',
      {
        parties: [],
        enrollments: [{ ...registry.enrollments[0], supplyPointId: '1100000000000000000001' }],
        consents: [],
      },
      /out of range/,
    ],
    [
      'a bad date',
      { parties: [], enrollments: [{ ...registry.enrollments[0], from: '2026-02-30' }], consents: [] },
      /malformed \(PostgreSQL error 22\w{3}\)/,
    ],
    [
      'the same enrollment twice (named without its supply point)',
      { parties: [], enrollments: [registry.enrollments[0], registry.enrollments[0]], consents: [] },
      /enrollment of one supply point with DR001 from 2026-01-01 twice/,
    ],
    [
      'an agreement naming a party that is not a third party',
      {
        parties: [],
        enrollments: [],
        consents: [],
        agreements: [{ id: 'A9', thirdPartyId: 'R0001', from: '2026-01-01', to: '2026-12-31' }],
      },
      /agreement A9 names R0001, whose role is retailer; it must be a third-party/,
    ],
    [
      'an agreement naming an unregistered party',
      {
        parties: [],
        enrollments: [],
        consents: [],
        agreements: [{ id: 'A9', thirdPartyId: 'TP999', from: '2026-01-01', to: '2026-12-31' }],
      },
      /names a party that is not registered \(agreement_third_party_id_fkey\)/,
    ],
    [
      'the same party twice',
      { parties: [registry.parties[0], registry.parties[0]], enrollments: [], consents: [] },
      /party R0001 twice/,
    ],
  ])('refuses %s, storing nothing of that import', async (_, bad, message) => {
    const repo = new RegistryRepository(ds);
    const before = await repo.loadSnapshot();
    // A harmless change rides along, to show it is rolled back with the rest.
    const withRename: RegistryData = {
      ...bad,
      parties: [{ id: 'OCCTO', role: 'occto', name: 'Renamed' }, ...bad.parties],
    };
    const error = await repo.importRegistry(withRename).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryImportError);
    expect((error as Error).message).toMatch(message);
    // Never a supply point id, never the server's detail (which quotes the row).
    expect((error as Error).message).not.toMatch(/\d{22}|Key \(|Failing row/);
    await expect(repo.loadSnapshot()).resolves.toEqual(before);
  });

  it('stores suspension and agreements; once listed, agreements stay required', async () => {
    const repo = new RegistryRepository(ds);
    const listed = await repo.importRegistry({
      parties: [{ id: 'TP002', role: 'third-party', name: 'Paused App', suspended: true }],
      enrollments: [],
      consents: [],
      agreements: [{ id: 'A1', thirdPartyId: 'TP001', from: '2026-01-01', to: '2027-12-31' }],
    });
    expect(listed).toMatchObject({ agreements: 1, agreementsListed: true });
    let { data } = await repo.loadSnapshot();
    expect(data.parties.find((p) => p.id === 'TP002')).toEqual({
      id: 'TP002',
      role: 'third-party',
      name: 'Paused App',
      suspended: true,
    });
    expect(data.parties.find((p) => p.id === 'TP001')).not.toHaveProperty('suspended');
    expect(data.agreements).toEqual([
      { id: 'A1', thirdPartyId: 'TP001', from: '2026-01-01', to: '2027-12-31' },
    ]);

    // A partial file without the key (a revocation, say) leaves the requirement on; lifting works.
    const partial = await repo.importRegistry({
      parties: [{ id: 'TP002', role: 'third-party', name: 'Paused App' }],
      enrollments: [],
      consents: [],
    });
    expect(partial).toMatchObject({ agreements: 0, agreementsListed: true });
    ({ data } = await repo.loadSnapshot());
    expect(data.agreements).toHaveLength(1);
    expect(data.parties.find((p) => p.id === 'TP002')).not.toHaveProperty('suspended');
  });

  it('serialises concurrent imports', async () => {
    const repo = new RegistryRepository(ds);
    const start = Number(await repo.currentVersion());
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        repo.importRegistry({ ...registry, parties: [{ id: `R010${n}`, role: 'retailer', name: `P${n}` }] }),
      ),
    );
    expect(results.map((r) => Number(r.version)).sort()).toEqual([start + 1, start + 2, start + 3]);
    await expect(repo.currentVersion()).resolves.toBe(String(start + 3));
  });
});

describe('AuditRepository', () => {
  const repo = () => new AuditRepository(ds);
  const HMAC = 'b'.repeat(64);

  function input(partition: number, offset: number, overrides: Partial<AuditRecord> = {}): ChainInput {
    return {
      chainPartition: partition,
      chainOffset: String(offset),
      record: auditRecordFixture({
        id: `00000000-0000-5000-8000-${String(partition).padStart(4, '0')}${String(offset).padStart(8, '0')}`,
        inboundOffset: String(offset),
        time: new Date(Date.UTC(2026, 10, 27, 5, 0, 0) + offset * 1000).toISOString(),
        ...overrides,
      }),
    };
  }
  const range = (partition: number, from: number, to: number, step = 1) =>
    Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => input(partition, from + i * step));

  beforeAll(async () => {
    await runMigrations(ds);
    await ensureAuditPartitions(ds, '2026-10', '2027-01');
  });

  it('creates monthly partitions idempotently, around now too', async () => {
    await expect(ensureAuditPartitions(ds, '2026-10', '2027-01')).resolves.toEqual([]);
    const created = await ensureAuditPartitionsAround(ds, new Date('2030-01-15T00:00:00Z'));
    expect(created).toEqual([
      'audit_record_y2029m12',
      'audit_record_y2030m01',
      'audit_record_y2030m02',
      'audit_record_y2030m03',
    ]);
    await expect(ensureAuditPartitionsAround(ds, new Date('2030-01-15T00:00:00Z'))).resolves.toEqual([]);
    const all = await listAuditPartitions(ds);
    expect(all).toEqual(
      expect.arrayContaining(['audit_record_y2026m10', 'audit_record_y2026m11', 'audit_record_y2027m01']),
    );
  });

  it('appends a chain, stores records as given, and lands each row in its month', async () => {
    const odd = input(0, 3, {
      time: '2026-12-31T23:59:59.999999Z',
      inboundId: 'nul\u0000here',
      relations: ['a,b', '"quoted"', '{braces}', 'back\\slash', ''],
      recipientId: null,
    });
    const batch = [...range(0, 0, 2), odd, input(0, 4, { time: '2027-01-01T00:00:00Z' })];
    await expect(repo().appendBatch(batch)).resolves.toMatchObject({ inserted: 5, skipped: 0 });
    const where = await ds.query<{ part: string; o: string }[]>(
      `SELECT tableoid::regclass::text AS part, chain_offset::text AS o FROM audit_record WHERE chain_partition = 0 ORDER BY chain_offset`,
    );
    expect(where.map((w) => w.part)).toEqual([
      'audit_record_y2026m11',
      'audit_record_y2026m11',
      'audit_record_y2026m11',
      'audit_record_y2026m12',
      'audit_record_y2027m01',
    ]);
    const stored: ChainedAuditRow[] = [];
    for await (const row of repo().streamChain(0)) stored.push(row);
    const { chainPartition: _p, chainOffset: _o, prevHash: _h, hash: _x, ...record } = stored[3];
    expect(record).toEqual(normalizeAuditRecord(odd.record));
    expect(record.time).toBe('2026-12-31T23:59:59.999999Z');
    await expect(verifyStored()).resolves.toMatchObject({ ok: true, rows: 5 });
  });

  it('never stores a re-delivered record twice', async () => {
    const batch = range(1, 0, 9);
    await expect(repo().appendBatch(batch)).resolves.toMatchObject({ inserted: 10, skipped: 0 });
    await expect(repo().appendBatch(batch)).resolves.toMatchObject({ inserted: 0, skipped: 10 });
    await expect(repo().appendBatch([...range(1, 5, 14), input(1, 14)])).resolves.toMatchObject({
      inserted: 5,
      skipped: 6,
    });
    const count = await one<{ n: string }>(
      `SELECT count(*)::text AS n FROM audit_record WHERE chain_partition = 1`,
    );
    expect(count.n).toBe('15');
    await expect(repo().chainHeads(1)).resolves.toEqual([{ partition: 1, offset: '14', hash: HEX64 }]);
    await expect(verifyStored(4)).resolves.toMatchObject({ ok: true, rows: 20 });
  });

  it('handles concurrent appends to the same chain', async () => {
    const batch = range(2, 0, 49);
    // Every batch starts at the chain's first offset, as a re-delivery does: whichever wins the row
    // lock, the others skip what it stored. (A batch starting past a gap would legitimately move the
    // head beyond the rows before it; the one writer per chain never does that.)
    const results = await Promise.all([
      repo().appendBatch(batch),
      repo().appendBatch(batch),
      repo().appendBatch(batch.slice(0, 30)),
    ]);
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(50);
    await expect(verifyStored()).resolves.toMatchObject({ ok: true });
  });

  it('leaves out a record already stored under the same id and time at another position', async () => {
    const first = input(3, 0);
    await repo().appendBatch([first, input(3, 1)]);
    const again = { ...first, chainOffset: '2' };
    await expect(repo().appendBatch([again, input(3, 3)])).resolves.toMatchObject({
      inserted: 1,
      skipped: 1,
    });
    const ids = await ds.query<{ o: string }[]>(
      `SELECT chain_offset::text AS o FROM audit_record WHERE chain_partition = 3 ORDER BY 1`,
    );
    expect(ids.map((r) => r.o)).toEqual(['0', '1', '3']);
    await expect(verifyStored()).resolves.toMatchObject({ ok: true });
  });

  describe('finds tampering done with SQL', () => {
    // Partition 4: offsets 0, 2, 4, ..., 18, so there is room to insert.
    beforeAll(async () => {
      await repo().appendBatch(range(4, 0, 18, 2));
      await ds.query(`CREATE TABLE audit_backup AS SELECT * FROM audit_record`);
      await ds.query(`CREATE TABLE head_backup AS SELECT * FROM audit_chain_head`);
    });

    afterEach(async () => {
      await ds.query(`DELETE FROM audit_record`);
      await ds.query(`INSERT INTO audit_record SELECT * FROM audit_backup`);
      await ds.query(`DELETE FROM audit_chain_head`);
      await ds.query(`INSERT INTO audit_chain_head SELECT * FROM head_backup`);
      await expect(verifyStored()).resolves.toMatchObject({ ok: true });
    });

    const idAt = (offset: number) => input(4, offset).record.id;

    it('an edited field', async () => {
      await ds.query(
        `UPDATE audit_record SET fields_delivered = fields_delivered || '{customer.name}' WHERE id = $1`,
        [idAt(8)],
      );
      expect(firstBad(await verifyStored())).toMatchObject({
        chainPartition: 4,
        chainOffset: '8',
        id: idAt(8),
        problem: 'edited',
      });
    });

    it('a time moved by one microsecond', async () => {
      await ds.query(`UPDATE audit_record SET time = time + interval '1 microsecond' WHERE id = $1`, [
        idAt(6),
      ]);
      expect(firstBad(await verifyStored())).toMatchObject({
        chainOffset: '6',
        id: idAt(6),
        problem: 'edited',
      });
    });

    it('a row edited and re-hashed (the next row no longer links to it)', async () => {
      const [row] = await ds.query<{ prev_hash: string }[]>(
        `SELECT prev_hash FROM audit_record WHERE id = $1`,
        [idAt(10)],
      );
      const edited = normalizeAuditRecord({ ...input(4, 10).record, purposes: ['forged'] });
      await ds.query(`UPDATE audit_record SET purposes = '{forged}', hash = $2 WHERE id = $1`, [
        idAt(10),
        auditRowHash(edited, 4, '10', row.prev_hash),
      ]);
      const fault = firstBad(await verifyStored());
      expect(fault).toMatchObject({ chainOffset: '12', id: idAt(12), problem: 'deleted-or-inserted' });
      expect(fault.detail).toMatch(/offset 10 .*was replaced/);
    });

    it('a deleted row (names the row after it)', async () => {
      await ds.query(`DELETE FROM audit_record WHERE id = $1`, [idAt(8)]);
      expect(firstBad(await verifyStored())).toMatchObject({
        chainOffset: '10',
        id: idAt(10),
        problem: 'deleted-or-inserted',
      });
    });

    it('a deleted last row (names the recorded head)', async () => {
      await ds.query(`DELETE FROM audit_record WHERE id = $1`, [idAt(18)]);
      expect(firstBad(await verifyStored())).toMatchObject({
        chainPartition: 4,
        chainOffset: '18',
        id: null,
        problem: 'deleted-or-inserted',
      });
    });

    it('an inserted row, forged to link to the row before it', async () => {
      const [prev] = await ds.query<{ hash: string }[]>(`SELECT hash FROM audit_record WHERE id = $1`, [
        idAt(12),
      ]);
      const forged = normalizeAuditRecord(input(4, 13, { id: 'forged-row' }).record);
      const hash = auditRowHash(forged, 4, '13', prev.hash);
      await ds.query(
        `INSERT INTO audit_record SELECT * FROM jsonb_populate_record(NULL::audit_record, $1::jsonb)`,
        [
          JSON.stringify({
            id: forged.id,
            time: forged.time,
            event_time: forged.eventTime,
            inbound_topic: forged.inboundTopic,
            inbound_partition: forged.inboundPartition,
            inbound_offset: forged.inboundOffset,
            inbound_source: forged.inboundSource,
            inbound_id: forged.inboundId,
            type: forged.type,
            supply_point_hmac: forged.supplyPointHmac,
            recipient_id: forged.recipientId,
            recipient_role: forged.recipientRole,
            relations: forged.relations,
            purposes: forged.purposes,
            fields_delivered: forged.fieldsDelivered,
            fields_withheld: forged.fieldsWithheld,
            policy_version: forged.policyVersion,
            outcome: forged.outcome,
            reason: forged.reason,
            outbound_id: forged.outboundId,
            chain_partition: 4,
            chain_offset: 13,
            prev_hash: prev.hash,
            hash,
          }),
        ],
      );
      expect(firstBad(await verifyStored())).toMatchObject({
        chainOffset: '13',
        id: 'forged-row',
        problem: 'deleted-or-inserted',
      });
    });

    it('a copied row', async () => {
      await ds.query(
        `INSERT INTO audit_record SELECT (r).* FROM (SELECT jsonb_populate_record(a, '{"time":"2026-11-27T06:00:00Z"}') AS r
           FROM audit_record a WHERE id = $1) x`,
        [idAt(4)],
      );
      const fault = firstBad(await verifyStored());
      expect(fault).toMatchObject({ chainPartition: 4, chainOffset: '4', id: idAt(4) });
    });

    it('a moved chain offset', async () => {
      await ds.query(`UPDATE audit_record SET chain_offset = 5 WHERE id = $1`, [idAt(4)]);
      expect(firstBad(await verifyStored())).toMatchObject({
        chainOffset: '5',
        id: idAt(4),
        problem: 'edited',
      });
    });

    it('a chain head moved back to hide the last rows', async () => {
      await ds.query(`DELETE FROM audit_record WHERE chain_partition = 4 AND chain_offset >= 16`);
      const [row] = await ds.query<{ hash: string }[]>(
        `SELECT hash FROM audit_record WHERE chain_partition = 4 AND chain_offset = 14`,
      );
      await ds.query(`UPDATE audit_chain_head SET chain_offset = 14, hash = $1 WHERE chain_partition = 4`, [
        row.hash,
      ]);
      // A consistent cut of the tail together with its head cannot be seen from the database alone.
      await expect(verifyStored()).resolves.toMatchObject({ ok: true });
    });
  });

  it('moves rows out of DEFAULT when their month is created late', async () => {
    await repo().appendBatch([
      input(5, 0, { time: '2031-05-10T00:00:00Z' }),
      input(5, 1, { time: '2031-05-11T00:00:00Z' }),
    ]);
    const before = await one<{ part: string }>(
      `SELECT tableoid::regclass::text AS part FROM audit_record WHERE chain_partition = 5 LIMIT 1`,
    );
    expect(before.part).toBe('audit_record_default');
    await expect(ensureAuditPartitions(ds, '2031-05', '2031-06')).resolves.toEqual([
      'audit_record_y2031m05',
      'audit_record_y2031m06',
    ]);
    const after = await ds.query<{ part: string }[]>(
      `SELECT DISTINCT tableoid::regclass::text AS part FROM audit_record WHERE chain_partition = 5`,
    );
    expect(after).toEqual([{ part: 'audit_record_y2031m05' }]);
    const idx = await one<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_indexes WHERE tablename = 'audit_record_y2031m05'`,
    );
    expect(Number(idx.n)).toBe(4);
    await expect(verifyStored()).resolves.toMatchObject({ ok: true });
  });

  it('retires an old month, and verification starts from the anchors', async () => {
    await ensureAuditPartitions(ds, '2024-01', '2024-03');
    const times = ['2024-01-05', '2024-01-20', '2024-02-01', '2024-02-02', '2024-03-01'];
    await repo().appendBatch(times.map((t, i) => input(6, i, { time: `${t}T00:00:00Z` })));
    await expect(retireAuditPartition(ds, '2023-12')).resolves.toBeUndefined();
    const retired = await retireAuditPartition(ds, '2024-01');
    expect(retired).toMatchObject({
      partition: 'audit_record_y2024m01',
      rows: 2,
      anchors: [{ partition: 6, offset: '1' }],
    });
    await expect(repo().chainAnchors()).resolves.toEqual(retired!.anchors);
    await expect(verifyStored()).resolves.toMatchObject({ ok: true });
    // Without the anchor the cut would look like tampering.
    const snapshot = await repo().openChainSnapshot(6);
    try {
      expect(firstBad(await verifyChain(snapshot.rows, { heads: snapshot.heads }))).toMatchObject({
        chainOffset: '2',
      });
    } finally {
      await snapshot.close();
    }
  });

  it('refuses to retire a month whose chain continues with earlier rows elsewhere', async () => {
    await ensureAuditPartitions(ds, '2025-01', '2025-02');
    // Offset 1 was decided (by a skewed clock) before offset 0.
    await repo().appendBatch([
      input(7, 0, { time: '2025-02-01T00:00:01Z' }),
      input(7, 1, { time: '2025-01-31T23:59:59Z' }),
    ]);
    await expect(retireAuditPartition(ds, '2025-01')).rejects.toThrow(AuditPartitionError);
    expect(await listAuditPartitions(ds)).toContain(auditPartitionName('2025-01'));
  });

  describe('queries', () => {
    beforeAll(async () => {
      const records: ChainInput[] = [];
      for (let i = 0; i < 30; i++) {
        records.push(
          input(8, i, {
            supplyPointHmac: i % 3 === 0 ? HMAC : 'c'.repeat(64),
            recipientId: i % 2 === 0 ? 'TD03' : 'OCCTO',
            outcome: i === 9 ? 'rejected' : 'delivered',
            outboundId: i === 9 ? null : `out-${i}`,
            time: new Date(Date.UTC(2026, 11, 1) + i * 60_000).toISOString(),
          }),
        );
      }
      await repo().appendBatch(records);
    });

    it('disclosures: one supply point, deliveries only, by time, within range and recipient', async () => {
      const all = await repo().disclosures({ supplyPointHmac: HMAC });
      expect(all.map((r) => r.inboundOffset)).toEqual(['0', '3', '6', '12', '15', '18', '21', '24', '27']);
      const ranged = await repo().disclosures({
        supplyPointHmac: HMAC,
        from: '2026-12-01T00:06:00Z',
        to: new Date(Date.UTC(2026, 11, 1, 0, 21)),
        recipientId: 'TD03',
      });
      expect(ranged.map((r) => r.inboundOffset)).toEqual(['6', '12', '18']);
      await expect(repo().disclosures({ supplyPointHmac: 'nope' })).resolves.toEqual([]);
    });

    it('search: pages by (time, id) to the end', async () => {
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await repo().search({
          recipientId: 'OCCTO',
          from: '2026-12-01T00:00:00Z',
          to: '2026-12-02T00:00:00Z',
          after,
          limit: 4,
        });
        seen.push(...page.items.map((r) => r.inboundOffset));
        after = page.nextCursor ?? undefined;
        pages += 1;
      } while (after);
      expect(seen).toEqual([
        '1',
        '3',
        '5',
        '7',
        '9',
        '11',
        '13',
        '15',
        '17',
        '19',
        '21',
        '23',
        '25',
        '27',
        '29',
      ]);
      expect(pages).toBe(4);
      const rejected = await repo().search({ outcome: 'rejected', type: 'jp.kyodo.meter-reading.v1' });
      expect(rejected.items.map((r) => r.id)).toEqual([input(8, 9).record.id]);
      await expect(repo().search({ after: 'garbage' })).rejects.toThrow(AuditQueryError);
      await expect(repo().search({ from: 'yesterday' })).rejects.toThrow(AuditQueryError);
      await expect(repo().search({ limit: 0 })).rejects.toThrow(AuditQueryError);
    });

    it('outboundIdsBetween: the deliveries decided in [from, to)', async () => {
      const ids = await repo().outboundIdsBetween('2026-12-01T00:00:00Z', '2026-12-01T00:12:00Z');
      expect(ids).toEqual([
        'out-0',
        'out-1',
        'out-2',
        'out-3',
        'out-4',
        'out-5',
        'out-6',
        'out-7',
        'out-8',
        'out-10',
        'out-11',
      ]);
    });
  });

  it('appends fast enough (20,000 rows in batches of 1,000)', async () => {
    const total = 20_000;
    const size = 1_000;
    const started = process.hrtime.bigint();
    for (let start = 0; start < total; start += size) {
      const result = await repo().appendBatch(range(9, start, start + size - 1));
      expect(result.inserted).toBe(size);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = Math.round(total / seconds);
    process.stdout.write(`appendBatch: ${total} rows in ${seconds.toFixed(2)} s = ${rate} rows/s\n`);
    const verifyStart = process.hrtime.bigint();
    const verified = await verifyStored();
    const verifySeconds = Number(process.hrtime.bigint() - verifyStart) / 1e9;
    process.stdout.write(`audit verify: ${verified.rows} rows in ${verifySeconds.toFixed(2)} s\n`);
    expect(verified.ok).toBe(true);
    expect(rate).toBeGreaterThan(2_000);
  });

  it('stores a basis only where there is one, and rows with and without it verify', async () => {
    const withBasis = input(11, 0, { basis: ['consent:C1', 'agreement:A1'] });
    const empty = input(11, 1, { basis: [] });
    const without = input(11, 2);
    await expect(repo().appendBatch([withBasis, empty, without])).resolves.toMatchObject({ inserted: 3 });
    const stored: ChainedAuditRow[] = [];
    for await (const row of repo().streamChain(11)) stored.push(row);
    expect(stored.map((r) => r.basis)).toEqual([['consent:C1', 'agreement:A1'], [], undefined]);
    expect(stored[2]).not.toHaveProperty('basis');
    await expect(verifyStored()).resolves.toMatchObject({ ok: true });
    // Dropping the basis of a row is caught like any edit.
    await ds.query(`UPDATE audit_record SET basis = NULL WHERE id = $1`, [withBasis.record.id]);
    const result = await verifyStored();
    expect(result.ok).toBe(false);
    await ds.query(`UPDATE audit_record SET basis = $2 WHERE id = $1`, [
      withBasis.record.id,
      ['consent:C1', 'agreement:A1'],
    ]);
  });
});

describe('ApiKeyRepository', () => {
  beforeAll(() => runMigrations(ds));

  it('creates a key whose secret is shown once and stored only hashed', async () => {
    const keys = new ApiKeyRepository(ds);
    const created = await keys.create('auditor');
    expect(created.secret).toMatch(/^kyodo_[A-Za-z0-9_-]{43}$/);
    expect(created.secret.startsWith(created.prefix)).toBe(true);
    expect(created.prefix).toHaveLength(14);
    const stored = await ds.query<Record<string, unknown>[]>(`SELECT * FROM api_key WHERE id = $1`, [
      created.id,
    ]);
    expect(JSON.stringify(stored)).not.toContain(created.secret);
    expect(stored[0].key_hash).toBe(hashApiKey(created.secret));
    const { secret: _, ...key } = created;
    await expect(keys.findByHash(hashApiKey(created.secret))).resolves.toEqual(key);
    await expect(keys.findActiveBySecret(created.secret)).resolves.toEqual(key);
    await expect(keys.findActiveBySecret(`${created.secret}x`)).resolves.toBeUndefined();
  });

  it('revokes a key once', async () => {
    const keys = new ApiKeyRepository(ds);
    const created = await keys.create('registry-admin');
    await expect(keys.revoke(created.id)).resolves.toBe(true);
    await expect(keys.revoke(created.id)).resolves.toBe(false);
    await expect(keys.revoke('no-such-key')).resolves.toBe(false);
    await expect(keys.findActiveBySecret(created.secret)).resolves.toBeUndefined();
    const found = await keys.findByHash(hashApiKey(created.secret));
    expect(found?.revokedAt).toEqual(expect.any(String));
    expect((await keys.list()).map((k) => k.id)).toContain(created.id);
  });

  it('refuses an unknown role', async () => {
    await expect(new ApiKeyRepository(ds).create('admin' as 'auditor')).rejects.toThrow(RangeError);
  });
});

it('GENESIS is what a new chain head starts from', async () => {
  await new AuditRepository(ds).appendBatch([]);
  const heads = await ds.query<{ hash: string }[]>(
    `SELECT hash FROM audit_chain_head WHERE chain_offset = -1`,
  );
  for (const h of heads) expect(h.hash).toBe(GENESIS_HASH);
});
