import type { Server } from 'node:http';
import { ConfigResourceTypes, Kafka } from 'kafkajs';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { supplyPointHmac } from '@kyodo/audit';
import { factory } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import { ApiKeyRepository } from '@kyodo/persistence';
import { ApiModule } from '../../apps/api/src/api.module';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { CliContext } from '../../apps/cli/src/context';
import { sendSubjectNotice } from '../../apps/cli/src/subject.command';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import {
  expectedDeliveries,
  openDatabase,
  send,
  settleAuditRows,
  auditRowCount,
  type Sent,
} from '../audit/audit-support';
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

// A customer's correction request reaches exactly the parties that received their data, end to end on
// the real broker and database: who must be told, with which fields and deliveries, is worked out here
// from the traffic sent and the contract's table (test/audit/audit-support.ts), not from the builder.

import { ack as ackRecord, REGISTRY, SP_A, SP_B, SP_NONE, traffic } from './notice-support';

let prefix = '';
const ack = (sender: string, noticeId: string, id: string) => ackRecord(prefix, sender, noticeId, id);

interface NoticeEvent {
  id: string;
  type: string;
  source: string;
  subject: string;
  kyodoaudit: string;
  data: { kind: string; reference: string; fields: string[]; deliveries: string[] };
}

describe('subject notices and the monthly report (real Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  let config: KyodoConfig;
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let kyodo: Awaited<ReturnType<typeof startKyodo>>;
  let server: Server;
  let outboxes: { records: CollectedRecord[]; stop: () => Promise<void> };
  let dlq: { records: CollectedRecord[]; stop: () => Promise<void> };
  let officer: string;
  let auditor: string;
  let sent: Sent[];
  let notices: { party: string; event: NoticeEvent }[];

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({
      databaseUrl: db.url,
      auditFirstRunMs: 3_600_000,
      outboxRetentionMs: 3 * 24 * 3600 * 1000,
    });
    prefix = config.topicPrefix;
    await importRegistry(config, kafka, REGISTRY);
    kyodo = await startKyodo(config, [GatewayModule, AuditModule, ApiModule]);
    server = kyodo.app.getHttpServer() as Server;
    ds = await openDatabase(db.url);
    officer = (await new ApiKeyRepository(ds).create('privacy-officer')).secret;
    auditor = (await new ApiKeyRepository(ds).create('auditor')).secret;
    outboxes = await collect(
      kafka,
      REGISTRY.parties.map((p) => kyodo.topics.outbox(p.id)),
    );
    dlq = await collect(kafka, [kyodo.topics.dlq]);
    sent = traffic();
    const expected = expectedDeliveries(sent, REGISTRY);
    // Demo-like traffic also has bad input: one unparseable record, one naming an unknown retailer.
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
    await settleAuditRows(ds, expected.length + 2);
  });

  afterAll(async () => {
    await outboxes?.stop();
    await dlq?.stop();
    await kyodo?.stop();
    await ds?.destroy();
    await kafka.close();
    await db?.drop();
  });

  it('sends a correction notice to exactly the parties that received fields about the supply point', async () => {
    const hmacA = supplyPointHmac(config.auditHmacKey, SP_A);
    // Who must be told, from the contract: every recipient of an SP_A delivery, with the union of its fields.
    const expected = expectedDeliveries(sent, REGISTRY).filter((d) => d.supplyPointId === SP_A);
    const rows = await ds.query<{ id: string; outbound_id: string; time: Date }[]>(
      `SELECT id, outbound_id, time FROM audit_record WHERE supply_point_hmac = $1 AND outcome = 'delivered' ORDER BY time, id`,
      [hmacA],
    );
    const auditIdOf = new Map(rows.map((r) => [r.outbound_id, r.id]));
    const want = new Map<string, { fields: Set<string>; deliveries: Set<string> }>();
    for (const d of expected) {
      const entry = want.get(d.recipientId) ?? { fields: new Set(), deliveries: new Set() };
      d.fieldsDelivered.forEach((f) => entry.fields.add(f));
      entry.deliveries.add(auditIdOf.get(d.outboundId) ?? `(no audit row for ${d.outboundId})`);
      want.set(d.recipientId, entry);
    }
    expect([...want.keys()].sort()).toEqual(['DR001', 'OCCTO', 'R0001', 'TD03', 'TP001']);

    const response = await request(server)
      .post('/v1/subject-notices')
      .set('Authorization', `Bearer ${officer}`)
      .send({ kind: 'correction', reference: 'REQ-2026-0042', supplyPointId: SP_A, from: '2026-01-01' });
    expect(response.status).toBe(200);
    const body = response.body as { notices: { recipientId: string; noticeId: string }[]; summary: string };
    expect(body.notices.map((n) => n.recipientId)).toEqual([...want.keys()].sort());
    expect(body.summary).toMatch(/^5 parties were sent a correction notice/);

    // Barrier: a sentinel keyed like the notices, written to every outbox after the notice transaction
    // committed, lands in the same partition behind them; once every sentinel is read, nothing is pending.
    const producer = await kafka.createProducer();
    await producer.send(
      REGISTRY.parties.map((p) => ({
        topic: kyodo.topics.outbox(p.id),
        key: SP_A,
        value: '{"sentinel":true}',
      })),
    );
    await producer.disconnect();
    await waitFor(
      () =>
        outboxes.records.filter((r) => r.value?.toString() === '{"sentinel":true}').length ===
        REGISTRY.parties.length,
      { what: 'the sentinel on every outbox' },
    );

    const noticeRecords = outboxes.records.filter((r) =>
      r.value?.toString().includes('jp.kyodo.subject-notice.v1'),
    );
    notices = noticeRecords.map((r) => ({
      party: r.topic.slice(r.topic.lastIndexOf('.') + 1),
      event: JSON.parse(r.value!.toString()) as NoticeEvent,
    }));
    const got = new Map<string, NoticeEvent[]>();
    for (const { party, event } of notices) got.set(party, [...(got.get(party) ?? []), event]);
    for (const r of noticeRecords) expect(r.key?.toString()).toBe(SP_A);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [party, events] of got) {
      expect(events).toHaveLength(1);
      const [event] = events;
      expect(event.type).toBe('jp.kyodo.subject-notice.v1');
      expect(event.source).toBe('urn:kyodo:gateway');
      expect(event.subject).toBe(SP_A);
      expect(event.data.kind).toBe('correction');
      expect(event.data.reference).toBe('REQ-2026-0042');
      expect(event.data.fields).toEqual([...want.get(party)!.fields].sort());
      expect([...event.data.deliveries].sort()).toEqual([...want.get(party)!.deliveries].sort());
    }

    // Each notice has its audit record (same Kafka transaction), chained like any other.
    await waitFor(
      async () => {
        const [row] = await ds.query<{ n: string }[]>(
          `SELECT count(*)::text AS n FROM audit_record WHERE type = 'jp.kyodo.subject-notice.v1'`,
        );
        return Number(row.n) === want.size;
      },
      { what: 'the notices in the audit trail' },
    );
    const audited = await ds.query<
      { id: string; outbound_id: string; recipient_id: string; purposes: string[] }[]
    >(
      `SELECT id, outbound_id, recipient_id, purposes FROM audit_record WHERE type = 'jp.kyodo.subject-notice.v1'`,
    );
    for (const { event } of notices) {
      const row = audited.find((a) => a.outbound_id === event.id);
      expect(row?.id).toBe(event.kyodoaudit);
      expect(row?.purposes).toEqual(['subject-correction']);
    }

    // The same request again: every notice is already in the trail, none is sent twice.
    const again = await request(server)
      .post('/v1/subject-notices')
      .set('Authorization', `Bearer ${officer}`)
      .send({ kind: 'correction', reference: 'REQ-2026-0042', supplyPointId: SP_A, from: '2026-01-01' });
    expect(again.status).toBe(200);
    const repeated = again.body as {
      notices: unknown[];
      alreadySent: { noticeId: string }[];
      summary: string;
    };
    expect(repeated.notices).toEqual([]);
    expect(repeated.alreadySent.map((n) => n.noticeId).sort()).toEqual(
      body.notices.map((n) => n.noticeId).sort(),
    );
    expect(repeated.summary).toMatch(/^Every notice of this request was sent before/);
  });

  it('marks a notice acknowledged by its recipient, and rejects an acknowledgement by anyone else', async () => {
    const td03 = notices.find((n) => n.party === 'TD03')!.event;
    const before = await auditRowCount(ds);
    await send(
      kafka,
      kyodo.topics.inbox,
      [],
      [ack('R0001', td03.id, 'ack-forged'), ack('TD03', td03.id, 'ack-1')],
    );
    await settleAuditRows(ds, before + 2);
    const rows = await ds.query<{ outcome: string; reason: string | null; inbound_source: string }[]>(
      `SELECT outcome, reason, inbound_source FROM audit_record WHERE type = 'jp.kyodo.subject-notice-ack.v1' ORDER BY inbound_source`,
    );
    expect(rows).toEqual([
      { outcome: 'rejected', reason: 'sender-not-allowed', inbound_source: 'urn:kyodo:party:R0001' },
      { outcome: 'acknowledged', reason: null, inbound_source: 'urn:kyodo:party:TD03' },
    ]);
    const letter = await waitFor(() => dlq.records.find((r) => r.value?.toString().includes('ack-forged')), {
      what: 'the forged acknowledgement in the DLQ',
    });
    const dead = JSON.parse(letter.value!.toString()) as { reason: string; message: string };
    expect(dead.reason).toBe('sender-not-allowed');
    expect(dead.message).toContain("only a notice's recipient may acknowledge it");
    expect(dead.message).not.toContain(SP_A);

    const report = await request(server)
      .get(`/v1/disclosures?supplyPointId=${SP_A}`)
      .set('Authorization', `Bearer ${auditor}`);
    expect(report.status).toBe(200);
    const statuses = (
      report.body as {
        notices: { recipientId: string; status: string; acknowledgedAt: string | null; sentAt: string }[];
      }
    ).notices;
    expect(statuses).toHaveLength(5);
    for (const n of statuses) {
      expect(n.status).toBe(n.recipientId === 'TD03' ? 'acknowledged' : 'pending');
      expect(n.acknowledgedAt === null).toBe(n.recipientId !== 'TD03');
      expect(Date.parse(n.sentAt)).not.toBeNaN();
    }
  });

  it('answers a notice about a supply point nobody received anything about clearly, over HTTP and the CLI', async () => {
    const response = await request(server)
      .post('/v1/subject-notices')
      .set('Authorization', `Bearer ${officer}`)
      .send({ kind: 'deletion', reference: 'REQ-2026-0043', supplyPointId: SP_NONE });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ kind: 'deletion', notices: [] });
    expect((response.body as { summary: string }).summary).toMatch(/^No party received fields/);

    const out: string[] = [];
    const ctx = new CliContext(
      config,
      (line) => out.push(line),
      () => undefined,
    );
    const code = await sendSubjectNotice(ctx, 'deletion', SP_NONE, { reference: 'REQ-2026-0043' });
    expect(code).toBe(0);
    expect(out).toEqual([
      'No party received fields about this supply point in the period: no notice was needed.',
    ]);

    // Only a privacy officer may send notices; the supply point is never echoed in an error.
    const denied = await request(server)
      .post('/v1/subject-notices')
      .set('Authorization', `Bearer ${auditor}`)
      .send({ kind: 'deletion', reference: 'REQ-1', supplyPointId: SP_NONE });
    expect(denied.status).toBe(403);
    const bad = await request(server)
      .post('/v1/subject-notices')
      .set('Authorization', `Bearer ${officer}`)
      .send({ kind: 'deletion', reference: 'Tanaka Taro', supplyPointId: SP_A });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('reference');
    expect(bad.text).not.toContain(SP_A);
  });

  it('creates the outboxes and the dead-letter topic with the configured retention', async () => {
    const admin = new Kafka({ brokers: testBrokers(), clientId: 'retention-check' }).admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [kyodo.topics.outbox('TD03'), kyodo.topics.outbox('TP002'), kyodo.topics.dlq].map(
          (name) => ({
            type: ConfigResourceTypes.TOPIC,
            name,
            configNames: ['retention.ms'],
          }),
        ),
      });
      const retention = Object.fromEntries(
        resources.map((r) => [
          r.resourceName,
          r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue,
        ]),
      );
      expect(retention).toEqual({
        [kyodo.topics.outbox('TD03')]: String(3 * 24 * 3600 * 1000),
        [kyodo.topics.outbox('TP002')]: String(3 * 24 * 3600 * 1000),
        [kyodo.topics.dlq]: String(14 * 24 * 3600 * 1000),
      });
    } finally {
      await admin.disconnect();
    }
  });
});
