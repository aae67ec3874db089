import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { factory } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import { createLogger, KyodoMetrics } from '@kyodo/observability';
import { AuditRunRepository } from '@kyodo/persistence';
import { METRICS } from '@kyodo/platform';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { RegularAudit } from '../../apps/audit/src/regular-audit';
import { RegularAuditModule } from '../../apps/audit/src/regular-audit.module';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { writeMonthlyReport } from '../../apps/cli/src/audit-report.command';
import { CliContext } from '../../apps/cli/src/context';
import { sendSubjectNotice } from '../../apps/cli/src/subject.command';
import {
  auditRowCount,
  expectedDeliveries,
  openDatabase,
  send,
  settleAuditRows,
} from '../audit/audit-support';
import { createTestDatabase, testConfig, testKafka, waitFor } from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';
import { ack, REGISTRY, SP_A, SP_B, traffic } from './notice-support';

// The regular audit and the monthly report on demo-like traffic (readings, a switch, a negawatt dispatch,
// bad input, a correction notice sent from the command line and one acknowledgement): every figure of the
// report's CSV is tallied again here from the raw rows of audit_record.

async function countWhere(ds: DataSource, where: string): Promise<number> {
  const [row] = await ds.query<{ n: string }[]>(
    `SELECT count(*)::text AS n FROM audit_record WHERE ${where}`,
  );
  return Number(row.n);
}

describe('regular audit and monthly report (real Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  let config: KyodoConfig;
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let kyodo: Awaited<ReturnType<typeof startKyodo>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The regular audit runs at once after start (as `kyodo run` does a minute after), then not again.
    config = testConfig({ databaseUrl: db.url, auditFirstRunMs: 0, auditScheduleMs: 3_600_000 });
    await importRegistry(config, kafka, REGISTRY);
    kyodo = await startKyodo(config, [GatewayModule, AuditModule, RegularAuditModule]);
    ds = await openDatabase(db.url);
    const sent = traffic();
    const unknownRetailer = factory.meterReading({
      seed: 90,
      area: '03',
      supplyPointId: SP_B.replace(/^06/, '03'),
      retailerId: 'R9999',
      readingDate: '2026-11-20',
      sender: 'TD03',
    });
    await send(kafka, kyodo.topics.inbox, sent, [
      { topic: kyodo.topics.inbox('TD03'), key: SP_A, value: '{not json' },
      {
        topic: kyodo.topics.inbox('TD03'),
        key: unknownRetailer.subject,
        value: JSON.stringify(unknownRetailer),
      },
    ]);
    await settleAuditRows(ds, expectedDeliveries(sent, REGISTRY).length + 2);
  });

  afterAll(async () => {
    await kyodo?.stop();
    await ds?.destroy();
    await kafka.close();
    await db?.drop();
  });

  it('runs the regular audit soon after start and keeps its result (table, metric)', async () => {
    const [row] = await waitFor(
      async () => {
        const rows = await ds.query<
          { trigger: string; chain_ok: boolean; reconcile_ok: boolean; error: string | null }[]
        >(`SELECT trigger, chain_ok, reconcile_ok, error FROM audit_run`);
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'the first regular audit in audit_run' },
    );
    expect(row).toEqual({ trigger: 'startup', chain_ok: true, reconcile_ok: true, error: null });
    const metrics = kyodo.app.get<KyodoMetrics>(METRICS);
    const text = await metrics.registry.getSingleMetricAsString('kyodo_regular_audit_chain_ok');
    expect(text).toMatch(/^kyodo_regular_audit_chain_ok 1$/m);
    // The console's record of checks shows it too.
    const checks = await ds.query<{ kind: string; ok: boolean; requested_by: string }[]>(
      `SELECT kind, ok, requested_by FROM audit_check_run ORDER BY kind`,
    );
    expect(checks).toEqual([
      { kind: 'reconcile', ok: true, requested_by: 'regular-audit:startup' },
      { kind: 'verify', ok: true, requested_by: 'regular-audit:startup' },
    ]);
  });

  it('sends notices from the command line, keeps a regular audit and reports the month', async () => {
    const out: string[] = [];
    const ctx = new CliContext(
      config,
      (line) => out.push(line),
      () => undefined,
    );
    expect(await sendSubjectNotice(ctx, 'correction', SP_A, { reference: 'REQ-7', json: true })).toBe(0);
    const outcome = JSON.parse(out.join('\n')) as { notices: { recipientId: string; noticeId: string }[] };
    expect(outcome.notices.map((n) => n.recipientId)).toEqual(['DR001', 'OCCTO', 'R0001', 'TD03', 'TP001']);
    await waitFor(async () => (await countWhere(ds, `type = 'jp.kyodo.subject-notice.v1'`)) === 5, {
      what: 'five notices in the audit trail',
    });
    const td03 = outcome.notices.find((n) => n.recipientId === 'TD03')!;
    const before = await auditRowCount(ds);
    await send(kafka, kyodo.topics.inbox, [], [ack(config.topicPrefix, 'TD03', td03.noticeId, 'ack-7')]);
    await settleAuditRows(ds, before + 1);
    expect(await countWhere(ds, `outcome = 'acknowledged'`)).toBe(1);

    // Everything has settled: reconcile up to now, not only up to five minutes ago.
    const run = await new RegularAudit(ds, kafka, new KyodoMetrics(), createLogger('silent'), {
      topicPrefix: config.topicPrefix,
      reconcileLagMs: 0,
    }).run('manual');
    expect(run).toMatchObject({
      chainOk: true,
      reconcileOk: true,
      error: null,
      missingFromOutbox: 0,
      missingFromAudit: 0,
    });
    // Every delivery the audit records, the notices included, is on an outbox.
    expect(run.auditDeliveries).toBe(await countWhere(ds, `outcome = 'delivered'`));

    const [first] = await ds.query<{ t: Date }[]>(`SELECT min(time) AS t FROM audit_record`);
    const japan = new Date(first.t.getTime() + 9 * 3600_000);
    const month = `${japan.getUTCFullYear()}-${String(japan.getUTCMonth() + 1).padStart(2, '0')}`;
    const from = new Date(Date.UTC(japan.getUTCFullYear(), japan.getUTCMonth(), 1) - 9 * 3600_000);
    const to = new Date(Date.UTC(japan.getUTCFullYear(), japan.getUTCMonth() + 1, 1) - 9 * 3600_000);
    const runs = await new AuditRunRepository(ds).between(from.toISOString(), to.toISOString());
    expect(runs.map((r) => r.trigger)).toEqual(['startup', 'manual']);

    const dir = mkdtempSync(join(tmpdir(), 'kyodo-report-'));
    out.length = 0;
    expect(await writeMonthlyReport(ctx, { month, out: dir })).toBe(0);
    expect(out).toEqual([join(dir, `kyodo-audit-${month}.html`), join(dir, `kyodo-audit-${month}.csv`)]);
    const csv = readFileSync(join(dir, `kyodo-audit-${month}.csv`), 'utf8');
    const html = readFileSync(join(dir, `kyodo-audit-${month}.html`), 'utf8');

    // The same figures, tallied here from the raw rows of the month.
    const rows = await ds.query<
      {
        outcome: string;
        reason: string | null;
        type: string;
        recipient_role: string;
        recipient_id: string;
        purposes: string[];
        relations: string[];
        fields_withheld: string[];
        outbound_id: string | null;
      }[]
    >(
      `SELECT outcome, reason, type, recipient_role, recipient_id, purposes, relations, fields_withheld, outbound_id
         FROM audit_record WHERE time >= $1 AND time < $2`,
      [from, to],
    );
    const tally = new Map<string, number>();
    const add = (key: string, n = 1) => tally.set(key, (tally.get(key) ?? 0) + n);
    const acked = new Set(rows.filter((r) => r.outcome === 'acknowledged').map((r) => r.outbound_id));
    for (const r of rows) {
      add(`audit-records,${r.outcome},,`);
      if (r.outcome === 'rejected') add(`rejections,${r.reason},,`);
      if (r.outcome === 'acknowledged') add('acknowledgements-received,,,');
      if (r.outcome !== 'delivered') continue;
      for (const p of r.purposes) add(`deliveries,${p},${r.recipient_role},${r.type}`);
      for (const f of r.fields_withheld) add(`fields-withheld,${r.type},${r.recipient_role},${f}`);
      if (r.relations.includes('consented-third-party'))
        add(`consent-deliveries,${r.recipient_id},${r.type},`);
      if (r.type === 'jp.kyodo.subject-notice.v1') {
        add(`subject-notices-sent,${r.purposes[0]},${r.recipient_id},`);
        add(
          `subject-notices-acknowledged,${r.purposes[0]},${r.recipient_id},`,
          acked.has(r.outbound_id) ? 1 : 0,
        );
      }
    }
    const reported = new Map(
      csv
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(','))
        .filter((cells) => !['chain-verification', 'regular-audit'].includes(cells[0]))
        .map((cells) => [cells.slice(0, 4).join(','), Number(cells[4])]),
    );
    expect(reported).toEqual(tally);
    // A few figures spelled out, so a tally that went wrong the same way on both sides still fails.
    expect(tally.get('rejections,unparseable,,')).toBe(1);
    expect(tally.get('rejections,unknown-party,,')).toBe(1);
    expect(tally.get('consent-deliveries,TP001,jp.kyodo.meter-reading.v1,')).toBe(3);
    expect(tally.get('subject-notices-sent,subject-correction,TD03,')).toBe(1);
    expect(tally.get('subject-notices-acknowledged,subject-correction,TD03,')).toBe(1);
    expect(tally.get('subject-notices-acknowledged,subject-correction,R0001,')).toBe(0);
    expect(tally.get('acknowledgements-received,,,')).toBe(1);
    const chainRows = await countWhere(ds, 'true');
    expect(csv).toContain(`\nchain-verification,intact,,,${chainRows}\n`);
    expect(csv.match(/^regular-audit,[^,]+,chain-intact,agree,0$/gm)).toHaveLength(2);

    expect(html).toContain('<svg');
    expect(html).toContain('Deliveries per purpose');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const text of [html, csv]) {
      expect(text).not.toContain(SP_A);
      expect(text).not.toContain(SP_B);
    }
  });
});
