import type { AuditRecord } from '@kyodo/audit';
import { topicsFor } from '@kyodo/contracts';
import type { KafkaPort, ProducedRecord } from '@kyodo/kafka';
import { TimeLimitError, WorkLimitError } from '../../apps/api/src/errors';
import { readOutboxes } from '../../apps/api/src/reconciliation/outbox-reader';
import { ReconciliationRepository } from '../../apps/api/src/reconciliation/reconciliation.repository';
import { ReconciliationService } from '../../apps/api/src/reconciliation/reconciliation.service';
import { reconcileAuditTrail } from '../../apps/cli/src/audit.command';
import { CliContext } from '../../apps/cli/src/context';
import { testKafka, uniqueId, waitFor } from '../support/harness';
import { bearer, delivery, seedAudit, startApiTestBed, type ApiTestBed } from './api-harness';

const id = (prefix: string, n: number) => `${prefix}0000000-0000-5000-8000-${String(n).padStart(12, '0')}`;

// The audit trail against the outboxes on a real broker, written as the gateway writes them: in
// transactions, so every outbox partition ends with a commit marker a read_committed reader never sees.
describe('reconciliation (real PostgreSQL and Kafka)', () => {
  let bed: ApiTestBed;
  let kafka: KafkaPort;
  let auditor: string;
  let t0: number;
  const topics = () => topicsFor(bed.config.topicPrefix);

  // Deliveries 1..4 in the audit trail; outbox events for 1..3 and for a 5th the audit does not know,
  // and one outbox record that is no outbound event.
  const audits = [1, 2, 3, 4].map((n) => ({
    auditId: id('a', n),
    outboundId: id('b', n),
    recipient: n % 2 ? 'TD03' : 'R0001',
  }));
  const orphan = { auditId: id('a', 5), outboundId: id('b', 5), recipient: 'TD03' };

  beforeAll(async () => {
    bed = await startApiTestBed();
    auditor = await bed.key('auditor');
    kafka = testKafka();
    t0 = Date.now();
    const records: AuditRecord[] = audits.map((a, i) =>
      delivery({
        id: a.auditId,
        outboundId: a.outboundId,
        recipientId: a.recipient,
        recipientRole: a.recipient === 'TD03' ? 'tdso' : 'retailer',
        inboundOffset: String(i),
        // The first delivery was decided three minutes before its outbox record's timestamp.
        time: new Date(i === 0 ? t0 - 3 * 60_000 : t0).toISOString(),
      }),
    );
    await seedAudit(bed.ds, records);

    const seed = `${bed.config.topicPrefix}.seed`;
    await kafka.ensureTopics([
      { name: seed, partitions: 1 },
      { name: topics().outbox('TD03'), partitions: 2 },
      { name: topics().outbox('R0001'), partitions: 2 },
    ]);
    const outbound = [...audits.slice(0, 3), orphan].map((a) => ({
      topic: topics().outbox(a.recipient),
      key: '0300000000000000000001',
      value: JSON.stringify({
        specversion: '1.0',
        id: a.outboundId,
        source: 'urn:kyodo:gateway',
        type: 'jp.kyodo.meter-reading.v1',
        subject: '0300000000000000000001',
        time: '2026-11-27T05:00:00Z',
        kyodoaudit: a.auditId,
      }),
    }));
    const unreadable = { topic: topics().outbox('R0001'), key: 'x', value: 'not an outbound event' };
    const producer = await kafka.createProducer();
    await producer.send(
      [...outbound, unreadable].map((r, i) => ({ topic: seed, key: String(i), value: JSON.stringify(r) })),
    );
    await producer.disconnect();

    // Copy the seeds into the outboxes through the transactional pipeline, one transaction per record.
    let produced = 0;
    const pipeline = kafka.createTransactionalPipeline({
      groupId: `${bed.config.topicPrefix}.seeder`,
      transactionalId: `${bed.config.topicPrefix}.seeder-${uniqueId()}`,
      topics: [seed],
      process: (batch) => batch.records.map((r) => JSON.parse(r.value!.toString('utf8')) as ProducedRecord),
      onCommitted: (_batch, count) => {
        produced += count;
      },
    });
    await pipeline.start();
    try {
      await waitFor(() => produced >= 5, { what: 'the outbox records to be committed' });
    } finally {
      await pipeline.stop();
    }
  });

  afterAll(async () => {
    if (bed) {
      const t = topicsFor(bed.config.topicPrefix);
      await kafka
        ?.deleteTopics([`${bed.config.topicPrefix}.seed`, t.outbox('TD03'), t.outbox('R0001')])
        .catch(() => undefined);
    }
    await kafka?.close();
    await bed?.close();
  });

  it('finds the delivery missing from the outboxes and the outbox event missing from the audit trail', async () => {
    const res = await bed.get('/v1/reconciliation', bearer(auditor));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      window: { from: null, to: null, graceSeconds: 300 },
      auditDeliveries: 4,
      outboxEvents: 4,
      missingFromOutbox: [audits[3].outboundId],
      missingFromAudit: [orphan.outboundId],
      unreadable: [
        {
          topic: topics().outbox('R0001'),
          partition: expect.any(Number) as unknown,
          offset: expect.any(String) as unknown,
        },
      ],
      trimmedOutboxes: [],
      notVerifiable: 0,
      ok: false,
    });
  });

  it('reads every partition to its end by the high watermark, not by waiting', async () => {
    const warnings: string[] = [];
    const service = new ReconciliationService(new ReconciliationRepository(bed.ds), kafka, {
      topicPrefix: bed.config.topicPrefix,
      idleMs: 60_000,
      warn: (message) => warnings.push(message),
    });
    const started = Date.now();
    const report = await service.reconcile();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(warnings).toEqual([]);
    expect(report.missingFromOutbox).toEqual([audits[3].outboundId]);
  });

  it('looks up the other side within the grace at the window edges', async () => {
    // Only the first delivery is in this window by audit time; its outbox record lies just after the window.
    const from = new Date(t0 - 10 * 60_000).toISOString();
    const to = new Date(t0 - 60_000).toISOString();
    const service = (graceMs?: number) =>
      new ReconciliationService(new ReconciliationRepository(bed.ds), kafka, {
        topicPrefix: bed.config.topicPrefix,
        graceMs,
      });
    const withGrace = await service().reconcile({ from, to });
    expect(withGrace).toMatchObject({
      auditDeliveries: 1,
      outboxEvents: 0,
      missingFromOutbox: [],
      missingFromAudit: [],
      ok: true,
    });
    const withoutGrace = await service(0).reconcile({ from, to });
    expect(withoutGrace).toMatchObject({
      auditDeliveries: 1,
      missingFromOutbox: [audits[0].outboundId],
      ok: false,
    });

    const res = await bed.get(
      `/v1/reconciliation?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
      bearer(auditor),
    );
    expect(res.body).toMatchObject({ window: { from, to, graceSeconds: 300 }, ok: true });
  });

  it('is offered on the command line, exiting 1 on differences', async () => {
    const out: string[] = [];
    const progress: string[] = [];
    const ctx = new CliContext(
      bed.config,
      (line) => out.push(line),
      (line) => progress.push(line),
    );
    expect(await reconcileAuditTrail(ctx, {})).toBe(1);
    expect(out).toEqual(
      expect.arrayContaining([
        'Audit deliveries: 4',
        'Outbox events: 4',
        `  ${audits[3].outboundId}`,
        `  ${orphan.outboundId}`,
        'DIFFERENCES FOUND between the audit trail and the outboxes.',
      ]),
    );
    out.length = 0;
    const from = new Date(t0 - 10 * 60_000).toISOString();
    const to = new Date(t0 - 60_000).toISOString();
    expect(await reconcileAuditTrail(ctx, { from, to })).toBe(0);
    expect(out[out.length - 1]).toBe('Audit trail and outboxes agree.');
  });

  describe('bounded work', () => {
    const service = (options: { maxRecords?: number; timeoutMs?: number }, port: KafkaPort = kafka) =>
      new ReconciliationService(new ReconciliationRepository(bed.ds), port, {
        topicPrefix: bed.config.topicPrefix,
        ...options,
      });

    it('refuses outboxes holding more offsets than it may read, before reading them', async () => {
      const refused = service({ maxRecords: 2 }).reconcile();
      await expect(refused).rejects.toThrow(WorkLimitError);
      await expect(refused).rejects.toThrow(/^the outboxes hold \d+ offsets to read, more than the 2 /);
    });

    it('refuses more audit deliveries than it may compare', async () => {
      // No outboxes at all on this port, so only the audit side counts: 4 deliveries, 3 allowed.
      const noOutboxes = { listTopics: () => Promise.resolve([]) } as unknown as KafkaPort;
      const refused = service({ maxRecords: 3 }, noOutboxes).reconcile();
      await expect(refused).rejects.toThrow(WorkLimitError);
      await expect(refused).rejects.toThrow(
        'the audit trail records more than 3 deliveries, the most one reconciliation compares',
      );
      await expect(service({ maxRecords: 4 }, noOutboxes).reconcile()).resolves.toMatchObject({
        auditDeliveries: 4,
      });
    });

    it('stops reading the outboxes when aborted mid-read', async () => {
      const controller = new AbortController();
      const reason = new Error('time is up');
      const read = readOutboxes(
        kafka,
        [topics().outbox('TD03'), topics().outbox('R0001')],
        () => controller.abort(reason),
        { groupPrefix: bed.config.topicPrefix, idleMs: 60_000, signal: controller.signal },
      );
      await expect(read).rejects.toBe(reason);
    });

    it('gives up after its time limit, saying so', async () => {
      const started = Date.now();
      const abandoned = service({ timeoutMs: 1 }).reconcile();
      await expect(abandoned).rejects.toThrow(TimeLimitError);
      await expect(abandoned).rejects.toThrow(
        /^reconciliation did not finish within 0\.001 s and was abandoned/,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
});
