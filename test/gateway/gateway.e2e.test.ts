import { CloudEvent } from 'cloudevents';
import type { EventKind, InboundEvent, JsonObject, RegistryData, RejectionReason } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import { outboundEventId } from '@kyodo/audit';
import type { KyodoConfig } from '@kyodo/config';
import type { ProducedRecord } from '@kyodo/kafka';
import { GatewayService } from '../../apps/gateway/src/gateway.service';
import {
  collect,
  createTestDatabase,
  testConfig,
  testKafka,
  waitFor,
  type CollectedRecord,
} from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';
import { expectedFor } from './oracle';

// End to end on the real broker and database: the registry has all five roles in two areas; every row
// of the contract's table is exercised; every party's outbox is read; nothing else may appear anywhere.

const SP_A = '0300000000000000000001'; // Tokyo: enrolled with DR001, consent for TP001 (meter-reading), revoked one for TP002
const SP_B = '0600000000000000000001'; // Kansai: remote island; consent for TP001 (negawatt)

const REGISTRY: RegistryData = {
  parties: [
    { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
    { id: 'R0002', role: 'retailer', name: 'Sakura Denryoku' },
    { id: 'R0003', role: 'retailer', name: 'Minato Energy' },
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
    { id: 'TD06', role: 'tdso', area: '06', name: 'Kansai T&D' },
    { id: 'OCCTO', role: 'occto', name: 'OCCTO' },
    { id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
    { id: 'DR002', role: 'aggregator', name: 'Demand Flex' },
    { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
    { id: 'TP002', role: 'third-party', name: 'Kakeibo Navi' },
  ],
  enrollments: [{ aggregatorId: 'DR001', supplyPointId: SP_A, from: '2026-01-01', to: '2027-12-31' }],
  consents: [
    {
      id: 'C1',
      thirdPartyId: 'TP001',
      supplyPointId: SP_A,
      categories: ['meter-reading'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: null,
    },
    {
      id: 'C2',
      thirdPartyId: 'TP001',
      supplyPointId: SP_B,
      categories: ['negawatt'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: null,
    },
    {
      id: 'C3',
      thirdPartyId: 'TP002',
      supplyPointId: SP_A,
      categories: ['meter-reading'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: '2026-06-01T00:00:00Z',
    },
  ],
};

/** Unknown fields at every depth: they never make an event invalid and are never delivered. */
const EXTRA = { secretTop: 'LEAK-1', customer: { secretNote: 'LEAK-2' } };

interface Sent {
  readonly sender: string;
  readonly event: InboundEvent;
  readonly kind: EventKind;
  /** recipient → its relations; everyone else must receive nothing. */
  readonly recipients: Record<string, string[]>;
}

function events(): Sent[] {
  const withExtra = (e: InboundEvent, extra: JsonObject): InboundEvent => ({
    ...e,
    data: deepMerge(e.data, extra),
  });
  return [
    {
      // Switch announced by OCCTO: the losing retailer holds the contract, the gaining one confirms the supply point.
      sender: 'OCCTO',
      kind: 'contract-switch',
      event: withExtra(
        factory.contractSwitch({
          seed: 1,
          area: '03',
          supplyPointId: SP_A,
          phase: 'requested',
          fromRetailerId: 'R0001',
          toRetailerId: 'R0002',
          sender: 'OCCTO',
        }),
        { ...EXTRA, supplyPoint: { secretSp: 'LEAK-3', meter: { secretMeter: 'LEAK-4' } } },
      ),
      recipients: { R0001: ['contract-holder'], TD03: ['area-tdso'], R0002: ['gaining-retailer'] },
    },
    {
      // The gaining retailer sends the next phase: it never receives its own event back.
      sender: 'R0002',
      kind: 'contract-switch',
      event: factory.contractSwitch({
        seed: 1,
        area: '03',
        supplyPointId: SP_A,
        phase: 'accepted',
        fromRetailerId: 'R0001',
        toRetailerId: 'R0002',
        sender: 'R0002',
      }),
      recipients: { OCCTO: ['occto'], R0001: ['contract-holder'], TD03: ['area-tdso'] },
    },
    {
      // Remote island: the area's TSO holds the basic information instead of the retailer (two relations).
      sender: 'OCCTO',
      kind: 'contract-switch',
      event: factory.contractSwitch({
        seed: 2,
        area: '06',
        supplyPointId: SP_B,
        fromRetailerId: 'R0001',
        toRetailerId: 'R0002',
        remoteIsland: true,
        sender: 'OCCTO',
      }),
      recipients: { TD06: ['contract-holder', 'area-tdso'], R0002: ['gaining-retailer'] },
    },
    {
      // Meter reading from the TSO: the retailer, the enrolled aggregator and the consented third party (TP002 revoked).
      sender: 'TD03',
      kind: 'meter-reading',
      event: withExtra(
        factory.meterReading({
          seed: 3,
          area: '03',
          supplyPointId: SP_A,
          retailerId: 'R0001',
          readingDate: '2026-11-26',
          sender: 'TD03',
        }),
        {
          ...EXTRA,
          intervals: [{ secretInterval: 'LEAK-5' }],
        },
      ),
      recipients: {
        R0001: ['contract-retailer'],
        DR001: ['enrolled-aggregator'],
        TP001: ['consented-third-party'],
      },
    },
    {
      sender: 'R0001',
      kind: 'meter-reading',
      event: factory.meterReading({
        seed: 4,
        area: '03',
        supplyPointId: SP_A,
        retailerId: 'R0001',
        readingDate: '2026-11-25',
        sender: 'R0001',
      }),
      recipients: { TD03: ['area-tdso'], DR001: ['enrolled-aggregator'], TP001: ['consented-third-party'] },
    },
    {
      sender: 'OCCTO',
      kind: 'negawatt',
      event: withExtra(
        factory.negawatt({
          seed: 5,
          area: '06',
          supplyPointId: SP_B,
          contractorId: 'DR001',
          retailerId: 'R0001',
          date: '2026-11-26',
          sender: 'OCCTO',
        }),
        { ...EXTRA, negawatt: { secretItem: 'LEAK-6' } },
      ),
      recipients: {
        DR001: ['contracted-aggregator'],
        TD06: ['area-tdso'],
        R0001: ['contract-retailer'],
        TP001: ['consented-third-party'],
      },
    },
  ];
}

function deepMerge(base: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (Array.isArray(v) && Array.isArray(out[k])) {
      const base = out[k] as JsonObject[];
      out[k] = Array.from({ length: Math.max(base.length, v.length) }, (_, i) => ({
        ...base[i],
        ...(v[i] as JsonObject),
      }));
    } else if (v && typeof v === 'object' && out[k] && typeof out[k] === 'object') {
      out[k] = deepMerge(out[k] as JsonObject, v as JsonObject);
    } else out[k] = v;
  }
  return out;
}

/** One bad record per rejection reason of the contract (sent to TD03's inbox unless said otherwise). */
function badRecords(inbox: (id: string) => string): { reason: RejectionReason; record: ProducedRecord }[] {
  const good = factory.meterReading({
    seed: 9,
    area: '03',
    supplyPointId: SP_A,
    retailerId: 'R0001',
    sender: 'TD03',
  });
  const to = inbox('TD03');
  const value = (patch: JsonObject) => toRecordValue(deepMerge(good as unknown as JsonObject, patch));
  const binary = Buffer.from([0xff, 0xfe, 0x00, 0x81]);
  return [
    { reason: 'unparseable', record: { topic: to, key: SP_A, value: '{"specversion": "1.0", ' } },
    { reason: 'unparseable', record: { topic: to, key: SP_A, value: binary } },
    { reason: 'unparseable', record: { topic: to, key: SP_A, value: '[1,2,3]' } },
    { reason: 'not-cloudevent', record: { topic: to, key: SP_A, value: value({ specversion: '0.3' }) } },
    {
      reason: 'unknown-type',
      record: { topic: to, key: SP_A, value: value({ type: 'jp.kyodo.weather.v1' }) },
    },
    {
      reason: 'source-mismatch',
      record: { topic: to, key: SP_A, value: value({ source: 'urn:kyodo:party:TD06' }) },
    },
    { reason: 'invalid-supply-point', record: { topic: to, key: '0312', value: value({ subject: '0312' }) } },
    {
      reason: 'invalid-supply-point',
      record: {
        topic: to,
        key: '1100000000000000000001',
        value: value({ subject: '1100000000000000000001' }),
      },
    },
    { reason: 'key-mismatch', record: { topic: to, key: '0300000000000000000002', value: value({}) } },
    {
      reason: 'unknown-party',
      record: { topic: to, key: SP_A, value: value({ data: { retailerId: 'R9999' } }) },
    },
    {
      reason: 'wrong-role',
      record: { topic: to, key: SP_A, value: value({ data: { retailerId: 'DR001' } }) },
    },
    { reason: 'out-of-range', record: { topic: to, key: SP_A, value: value({ data: { totalKwh: -1 } }) } },
    {
      reason: 'out-of-range',
      record: { topic: to, key: SP_A, value: value({ data: { readingDate: '2026-02-30' } }) },
    },
    {
      reason: 'out-of-range',
      record: {
        topic: to,
        key: SP_A,
        value: value({
          data: {
            intervals: Array.from({ length: 51 }, () => ({ start: '2026-11-26T00:00:00+09:00', kwh: 0.1 })),
          },
        }),
      },
    },
    {
      reason: 'invalid-data',
      record: { topic: to, key: SP_A, value: value({ data: { intervals: 'many' } }) },
    },
    { reason: 'too-large', record: { topic: to, key: SP_A, value: Buffer.alloc(1024 * 1024 + 1, 0x20) } },
    {
      reason: 'area-mismatch',
      record: {
        topic: inbox('OCCTO'),
        key: SP_A,
        value: toRecordValue(
          factory.contractSwitch({
            seed: 7,
            area: '03',
            supplyPointId: SP_A,
            sender: 'OCCTO',
            supplyPoint: { area: '06' },
          }),
        ),
      },
    },
    {
      reason: 'key-mismatch',
      record: {
        topic: inbox('OCCTO'),
        key: SP_A,
        value: toRecordValue(
          factory.contractSwitch({
            seed: 8,
            area: '03',
            supplyPointId: SP_A,
            sender: 'OCCTO',
            supplyPoint: { supplyPointId: '0300000000000000000009' },
          }),
        ),
      },
    },
  ];
}

describe('gateway end to end (real Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  let config: KyodoConfig;
  let db: { url: string; drop: () => Promise<void> };
  let kyodo: Awaited<ReturnType<typeof startKyodo>>;
  let outboxes: { records: CollectedRecord[]; stop: () => Promise<void> };
  let side: { records: CollectedRecord[]; stop: () => Promise<void> };
  let sent: Sent[];
  let bad: ReturnType<typeof badRecords>;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({ databaseUrl: db.url });
    await importRegistry(config, kafka, REGISTRY);
    kyodo = await startKyodo(config);
    const { topics } = kyodo;
    outboxes = await collect(
      kafka,
      REGISTRY.parties.map((p) => topics.outbox(p.id)),
    );
    side = await collect(kafka, [topics.dlq, topics.audit]);
    sent = events();
    bad = badRecords((id) => topics.inbox(id));
    const producer = await kafka.createProducer();
    await producer.send(
      sent.map((s) => ({
        topic: topics.inbox(s.sender),
        key: s.event.subject,
        value: toRecordValue(s.event),
      })),
    );
    for (const b of bad) await producer.send([b.record]);
    await producer.disconnect();
    const gateway = kyodo.app.get(GatewayService);
    const total = sent.length + bad.length;
    await waitFor(() => gateway.totals.inputs >= total, {
      what: `the gateway to read ${total} records`,
      timeoutMs: 60_000,
    });
    const deliveries = sent.reduce((n, s) => n + Object.keys(s.recipients).length, 0);
    await waitFor(() => outboxes.records.length >= deliveries, { what: `${deliveries} deliveries` });
    await waitFor(() => side.records.filter((r) => r.topic === topics.dlq).length >= bad.length, {
      what: 'dead letters',
    });
    // The audit records commit with the outputs, but the reader may fetch them later than the outboxes.
    await waitFor(
      () => side.records.filter((r) => r.topic === topics.audit).length >= deliveries + bad.length,
      { what: 'audit records' },
    );
  });

  afterAll(async () => {
    await outboxes?.stop();
    await side?.stop();
    await kyodo?.stop();
    await kafka.close();
    await db?.drop();
  });

  const outboxOf = (party: string) =>
    outboxes.records
      .filter((r) => r.topic === kyodo.topics.outbox(party))
      .map((r) => JSON.parse(r.value!.toString('utf8')) as JsonObject);

  it('counts every input as accepted or rejected', () => {
    const totals = kyodo.app.get(GatewayService).totals;
    expect(totals.inputs).toBe(sent.length + bad.length);
    expect(totals.accepted).toBe(sent.length);
    expect(totals.rejected).toBe(bad.length);
    expect(totals.accepted + totals.rejected).toBe(totals.inputs);
  });

  it('delivers exactly the allowed data to exactly the related parties, and nothing anywhere else', () => {
    for (const party of REGISTRY.parties) {
      const expected = sent
        .filter((s) => s.recipients[party.id])
        .map((s) => {
          const e = expectedFor(s.kind, s.recipients[party.id], s.event.data);
          return { originId: s.event.id, type: s.event.type, data: e.data, purposes: e.purposes };
        })
        .sort((a, b) => a.originId.localeCompare(b.originId));
      const received = outboxOf(party.id)
        .map((o) => ({ originId: o.kyodooriginid, type: o.type, data: o.data, purposes: o.kyodopurpose }))
        .sort((a, b) => String(a.originId).localeCompare(String(b.originId)));
      expect({ party: party.id, received }).toEqual({ party: party.id, received: expected });
    }
  });

  it('never echoes an event to its sender', () => {
    for (const s of sent) {
      expect(outboxOf(s.sender).some((o) => o.kyodooriginid === s.event.id)).toBe(false);
    }
  });

  it('never delivers an unknown field, at any depth', () => {
    for (const record of outboxes.records) expect(record.value!.toString('utf8')).not.toMatch(/LEAK-\d/);
  });

  it('writes outbound events exactly as the contract says: CloudEvents, key, deterministic id, kyodo* attributes', () => {
    const audits = side.records
      .filter((r) => r.topic === kyodo.topics.audit)
      .map((r) => JSON.parse(r.value!.toString('utf8')) as JsonObject);
    for (const record of outboxes.records) {
      const json = JSON.parse(record.value!.toString('utf8')) as JsonObject;
      const event = new CloudEvent(json, true); // validates against the CloudEvents 1.0 spec
      const recipient = record.topic.slice(record.topic.lastIndexOf('.') + 1);
      const origin = sent.find((s) => s.event.id === json.kyodooriginid)!;
      expect(record.key?.toString()).toBe(origin.event.subject);
      expect(event.source).toBe('urn:kyodo:gateway');
      expect(event.type).toBe(origin.event.type);
      expect(event.subject).toBe(origin.event.subject);
      expect(new Date(event.time!).toISOString()).toBe(new Date(origin.event.time).toISOString());
      expect(event.id).toBe(outboundEventId(origin.event.source, origin.event.id, recipient));
      expect(json.kyodoorigin).toBe(`urn:kyodo:party:${origin.sender}`);
      expect(json.kyodopolicy).toBe('2026-11-27.1');
      const audit = audits.find((a) => a.id === json.kyodoaudit);
      expect(audit).toMatchObject({ outcome: 'delivered', recipientId: recipient, outboundId: event.id });
    }
  });

  it('sends each bad record to the dead-letter topic with its reason, coordinates and original bytes', () => {
    const letters = side.records
      .filter((r) => r.topic === kyodo.topics.dlq)
      .map((r) => JSON.parse(r.value!.toString('utf8')) as JsonObject);
    expect(letters).toHaveLength(bad.length);
    const reasons = letters.map((l) => l.reason).sort();
    expect(reasons).toEqual(bad.map((b) => b.reason).sort());
    for (const b of bad) {
      const original = Buffer.isBuffer(b.record.value) ? b.record.value : Buffer.from(b.record.value);
      const letter = letters.find((l) => {
        const bytes =
          l.valueEncoding === 'base64'
            ? Buffer.from(String(l.value), 'base64')
            : Buffer.from(String(l.value), 'utf8');
        return l.reason === b.reason && bytes.equals(original);
      });
      expect({ reason: b.reason, found: letter !== undefined }).toEqual({ reason: b.reason, found: true });
      expect(letter).toMatchObject({ topic: b.record.topic, key: b.record.key });
      expect(typeof letter!.partition).toBe('number');
      expect(String(letter!.offset)).toMatch(/^\d+$/);
      expect(String(letter!.message).length).toBeGreaterThan(0);
    }
    const binaryLetter = letters.find((l) => l.valueEncoding === 'base64');
    expect(binaryLetter).toBeDefined();
  });

  it('writes one audit record per delivery and per rejection, with no personal value in it', () => {
    const audits = side.records.filter((r) => r.topic === kyodo.topics.audit);
    const deliveries = sent.reduce((n, s) => n + Object.keys(s.recipients).length, 0);
    expect(audits).toHaveLength(deliveries + bad.length);
    const text = audits.map((r) => r.value!.toString('utf8')).join('\n');
    for (const s of sent) {
      expect(text).not.toContain(s.event.subject);
      const customer = s.event.data.customer as JsonObject | undefined;
      for (const value of Object.values(customer ?? {})) expect(text).not.toContain(String(value));
    }
  });

  it('picks up a party imported while running, within seconds, and keeps one supply point in order', async () => {
    await importRegistry(config, kafka, {
      parties: [{ id: 'R0004', role: 'retailer', name: 'Late Joiner' }],
      enrollments: [],
      consents: [],
    });
    const phases = ['requested', 'accepted', 'completed'] as const;
    const switches = phases.map((phase) =>
      factory.contractSwitch({
        seed: 40,
        area: '06',
        supplyPointId: '0600000000000000000004',
        phase,
        fromRetailerId: 'R0001',
        toRetailerId: 'R0004',
        sender: 'R0004',
      }),
    );
    const producer = await kafka.createProducer();
    // The new inbox exists once the import returns; the gateway subscribes to it at its next refresh.
    await producer.send(
      switches.map((e) => ({ topic: kyodo.topics.inbox('R0004'), key: e.subject, value: toRecordValue(e) })),
    );
    await producer.disconnect();
    await waitFor(
      () => outboxOf('TD06').filter((o) => String(o.kyodooriginid).startsWith('SW-')).length >= 4,
      {
        what: "the new party's switches at TD06",
        timeoutMs: 20_000,
      },
    );
    const order = outboxOf('TD06')
      .filter((o) => (o.data as JsonObject).toRetailerId === 'R0004')
      .map((o) => (o.data as JsonObject).phase);
    expect(order).toEqual([...phases]);
  });
});
