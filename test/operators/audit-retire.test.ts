import { auditRecordFixture } from '../../libs/audit/src/testing';
import { createDataSource, ensureAuditPartitions, listAuditPartitions } from '@kyodo/persistence';
import type { DataSource } from 'typeorm';
import { retireAudit } from '../../apps/cli/src/audit-retire.command';
import { verifyAuditTrail } from '../../apps/cli/src/audit.command';
import { CliContext } from '../../apps/cli/src/context';
import { seedAudit } from '../api/api-harness';
import { createTestDatabase, testConfig } from '../support/harness';

// `kyodo audit retire --before MONTH` on a real database: whole months go, oldest first, and the
// chain still verifies from the anchors they leave.
describe('kyodo audit retire (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let ctx: CliContext;
  let out: string[];
  let progress: string[];
  const NOW = new Date('2026-11-30T12:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url, { poolSize: 2 });
    await ds.initialize();
    await ensureAuditPartitions(ds, '2026-01', '2026-04');
    const months = ['2026-01-10', '2026-01-20', '2026-02-03', '2026-03-04', '2026-03-05', '2026-04-01'];
    await seedAudit(
      ds,
      months.map((day, i) =>
        auditRecordFixture({
          id: `a0000000-0000-5000-8000-${String(i).padStart(12, '0')}`,
          time: `${day}T00:00:00Z`,
          inboundOffset: String(i),
        }),
      ),
    );
  });

  beforeEach(() => {
    out = [];
    progress = [];
    ctx = new CliContext(
      testConfig({ databaseUrl: db.url }),
      (line) => out.push(line),
      (line) => progress.push(line),
    );
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('drops every month before the one given, keeps the anchors, and the chain still verifies', async () => {
    expect(await retireAudit(ctx, { before: '2026-03', now: NOW, json: true })).toBe(0);
    const result = JSON.parse(out.join('\n')) as {
      retired: { partition: string; rows: number; anchors: { offset: string }[] }[];
    };
    expect(result.retired.map((r) => [r.partition, r.rows, r.anchors.map((a) => a.offset)])).toEqual([
      ['audit_record_y2026m01', 2, ['1']],
      ['audit_record_y2026m02', 1, ['2']],
    ]);
    const left = await listAuditPartitions(ds);
    expect(left).not.toContain('audit_record_y2026m01');
    expect(left).not.toContain('audit_record_y2026m02');
    expect(left).toContain('audit_record_y2026m03');
    out = [];
    expect(await verifyAuditTrail(ctx, {})).toBe(0);
    expect(out[0]).toMatch(/^Partition 0: 3 rows checked after the retention anchor at offset 2/);
  });

  it('nothing left before that month: says so, exit 0', async () => {
    expect(await retireAudit(ctx, { before: '2026-02', now: NOW })).toBe(0);
    expect(out).toEqual(['No audit months before 2026-02: nothing retired.']);
  });

  it('refuses to drop the current month, and touches nothing', async () => {
    expect(await retireAudit(ctx, { before: '2026-12', now: NOW })).toBe(2);
    expect(progress[0]).toMatch(/would drop the current month \(2026-11\)/);
    expect(await listAuditPartitions(ds)).toContain('audit_record_y2026m03');
  });
});
