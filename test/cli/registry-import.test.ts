import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KyodoConfig } from '@kyodo/config';
import { createDataSource, RegistryRepository } from '@kyodo/persistence';
import type { DataSource } from 'typeorm';
import { CliContext } from '../../apps/cli/src/context';
import { importRegistryFile } from '../../apps/cli/src/registry.command';
import { createTestDatabase, testConfig } from '../support/harness';

// `kyodo registry import FILE.ndjson` on the real PostgreSQL (and broker, for the parties' topics):
// streamed, every line checked, errors named by file and line, nothing stored unless all is well.

const SP1 = '0300000000000000000001';
const SP2 = '0300000000000000000002';
const SP3 = '0600000000000000000003';

const lines = (...rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
const party = (id: string, role: string, extra: object = {}) => ({
  kind: 'party',
  id,
  role,
  name: `Party ${id}`,
  ...extra,
});
const consent = (id: string, supplyPointId: string, extra: object = {}) => ({
  kind: 'consent',
  id,
  thirdPartyId: 'TP001',
  supplyPointId,
  categories: ['meter-reading'],
  from: '2026-01-01',
  to: '2027-12-31',
  revokedAt: null,
  ...extra,
});
const enrollment = (supplyPointId: string) => ({
  kind: 'enrollment',
  aggregatorId: 'DR001',
  supplyPointId,
  from: '2026-04-01',
  to: '2027-03-31',
});

describe('registry import of an NDJSON file (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let config: KyodoConfig;
  let ds: DataSource;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({ databaseUrl: db.url, partitionsPerTopic: 1 });
    ds = createDataSource(db.url);
    await ds.initialize();
    dir = mkdtempSync(join(tmpdir(), 'kyodo-ndjson-'));
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(
    name: string,
    text: string,
  ): Promise<{ code: number; out: string; err: string; file: string }> {
    const file = join(dir, name);
    writeFileSync(file, text);
    const out: string[] = [];
    const err: string[] = [];
    const ctx = new CliContext(
      config,
      (line) => out.push(line),
      (line) => err.push(line),
    );
    const code = await importRegistryFile(ctx, file);
    return { code, out: out.join('\n'), err: err.join('\n'), file };
  }

  const version = async () => new RegistryRepository(ds).currentVersion();
  const changes = async (v: string) =>
    (
      await ds.query<{ kind: string; key: string }[]>(
        `SELECT kind, key FROM registry_change WHERE version = $1 ORDER BY kind, key`,
        [v],
      )
    ).map((r) => `${r.kind} ${r.key}`);

  it('imports every kind, in batches, and logs what changed under the new version', async () => {
    const { code, out, err } = await run(
      'registry.ndjson',
      lines(
        party('R0001', 'retailer'),
        party('TD03', 'tdso', { area: '03' }),
        party('DR001', 'aggregator'),
        party('TP001', 'third-party'),
        consent('C1', SP1),
        consent('C2', SP2, { categories: ['meter-reading', 'negawatt'], revokedAt: '2026-06-01T00:00:00Z' }),
        enrollment(SP1),
        { kind: 'agreement', id: 'A1', thirdPartyId: 'TP001', from: '2026-01-01', to: '2027-12-31' },
      ) + '\n',
    );
    expect({ code, err }).toMatchObject({ code: 0 });
    expect(out).toContain('upserted 4 parties, 1 enrollment, 2 consents and 1 agreement');
    const { version: v, data } = await new RegistryRepository(ds).loadSnapshot();
    expect(data.parties.map((p) => p.id)).toEqual(['DR001', 'R0001', 'TD03', 'TP001']);
    expect(data.consents).toEqual([
      expect.objectContaining({ id: 'C1', supplyPointId: SP1, revokedAt: null }),
      expect.objectContaining({
        id: 'C2',
        categories: ['meter-reading', 'negawatt'],
        revokedAt: '2026-06-01T00:00:00.000Z',
      }),
    ]);
    expect(data.enrollments).toEqual([
      { aggregatorId: 'DR001', supplyPointId: SP1, from: '2026-04-01', to: '2027-03-31' },
    ]);
    expect(data.agreements).toEqual([
      { id: 'A1', thirdPartyId: 'TP001', from: '2026-01-01', to: '2027-12-31' },
    ]);
    expect(await changes(v)).toEqual([
      'agreement A1',
      'party DR001',
      'party R0001',
      'party TD03',
      'party TP001',
      `supply-point ${SP1}`,
      `supply-point ${SP2}`,
    ]);
  });

  it('a change costs what it changes: the same rows again log nothing; one revocation logs one supply point', async () => {
    const same = await run('same.ndjson', lines(consent('C1', SP1), enrollment(SP1)));
    expect(same.code).toBe(0);
    expect(await changes(await version())).toEqual([]);

    const revoked = await run(
      'revoke.ndjson',
      lines(consent('C1', SP1, { revokedAt: '2026-11-30T09:00:00+09:00' })),
    );
    expect(revoked.code).toBe(0);
    expect(await changes(await version())).toEqual([`supply-point ${SP1}`]);

    // A consent moved to another supply point changes both.
    const moved = await run('move.ndjson', lines(consent('C1', SP3)));
    expect(moved.code).toBe(0);
    expect(await changes(await version())).toEqual([`supply-point ${SP1}`, `supply-point ${SP3}`]);
  });

  it('reports a bad line as FILE:LINE with the reason and the value, never a supply point id; imports nothing', async () => {
    const before = await version();
    const badSupplyPoint = '03000000000000000000XY';
    const { code, err, file } = await run(
      'bad.ndjson',
      lines(
        consent('C10', SP1),
        consent('C11', SP2, { from: '2026-02-30' }),
        consent('C12', badSupplyPoint),
        { kind: 'contract', id: 'X' },
        consent('C13', SP2, { thirdPartyId: 'TP404' }),
        enrollment(SP1),
      ) + '{"kind": "consent", \n',
    );
    expect(code).toBe(1);
    expect(err).toContain(
      `${file}:2: consent.from: must be a calendar date written YYYY-MM-DD, got "2026-02-30"`,
    );
    expect(err).toContain(
      `${file}:3: consent.supplyPointId: a supply point id is 22 digits; this one has 22 characters, not all digits`,
    );
    expect(err).toContain(
      `${file}:4: kind: unknown kind "contract"; expected party, enrollment, consent or agreement`,
    );
    expect(err).toContain(
      `${file}:5: consent.thirdPartyId: TP404 is neither defined earlier in the import nor registered`,
    );
    expect(err).toMatch(new RegExp(`${file}:7: not a JSON value`));
    expect(err).toContain('kyodo: 5 errors; nothing was imported');
    expect(err).not.toContain(badSupplyPoint);
    expect(await version()).toBe(before);
    const [{ n }] = await ds.query<{ n: string }[]>(
      `SELECT count(*)::text AS n FROM consent WHERE id LIKE 'C1_'`,
    );
    expect(n).toBe('0');
  });

  it('finds a key named twice by line, in the staging tables; imports nothing', async () => {
    const before = await version();
    const { code, err, file } = await run(
      'twice.ndjson',
      lines(
        consent('C20', SP1),
        consent('C21', SP2),
        enrollment(SP2),
        consent('C20', SP2),
        enrollment(SP2),
        party('TP001', 'aggregator'),
      ),
    );
    expect(code).toBe(1);
    expect(err).toContain(
      `${file}:6: party.role: TP001 is registered as a third-party; an import cannot change a party's role`,
    );
    expect(err).toContain('kyodo: 1 error; nothing was imported');

    const twice = await run(
      'twice2.ndjson',
      lines(consent('C20', SP1), consent('C21', SP2), enrollment(SP2), consent('C20', SP2), enrollment(SP2)),
    );
    expect(twice.code).toBe(1);
    expect(twice.err).toContain(`${twice.file}:4: consent: consent C20 is named again (first at line 1)`);
    expect(twice.err).toContain(
      `${twice.file}:5: enrollment: enrollment DR001 from 2026-04-01 is named again (first at line 3)`,
    );
    expect(twice.err).not.toContain(SP2);
    expect(await version()).toBe(before);
  });
});
