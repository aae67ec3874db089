import { randomInt } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { supplyPointHmac } from '@kyodo/audit';
import type { InboundEvent, JsonObject, RegistryData, RejectionReason } from '@kyodo/contracts';
import { deepMerge, factory, toRecordValue, fixtureParties } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import type { ProducedRecord } from '@kyodo/kafka';
import {
  collect,
  createTestDatabase,
  testConfig,
  testKafka,
  uniqueId,
  waitFor,
  type CollectedRecord,
} from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';
import { expectedDeliveries, openDatabase, settleAuditRows, type Sent } from './audit-support';

// Traffic full of personal values that can be recognised anywhere (marker strings unique to this run,
// supply point ids made of random digits), valid and invalid. Afterwards no audit table, and no record
// on the audit topic, may hold any of them, while every input is accounted for as delivered (or
// delivered to nobody) or rejected.

const RUN = uniqueId();
const marker = (what: string, n: number | string) => `PII-${what}-${RUN}-${n}`;
const randomSpid = (area: string) => area + Array.from({ length: 20 }, () => randomInt(10)).join('');

const SP1 = randomSpid('03');
const SP2 = randomSpid('03');
// Kyushu: no TSO registered there, so a dispatch whose retailer is suspended goes to nobody.
const SP3 = randomSpid('09');
const SP_KEY = randomSpid('03'); // only ever a (wrong) record key

const REGISTRY: RegistryData = {
  parties: [
    ...fixtureParties('R0001', 'R0002', 'TD03', 'OCCTO', 'DR001', 'TP001'),
    { id: 'R0003', role: 'retailer', name: 'Paused Power', suspended: true },
  ],
  enrollments: [{ aggregatorId: 'DR001', supplyPointId: SP1, from: '2026-01-01', to: '2027-12-31' }],
  consents: [
    {
      id: 'C1',
      thirdPartyId: 'TP001',
      supplyPointId: SP1,
      categories: ['meter-reading', 'negawatt'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: null,
    },
  ],
};

function customer(n: number) {
  return {
    name: marker('NAME', n),
    address: `東京都世田谷区太子堂${marker('ADDR', n)}`,
    phone: marker('TEL', n),
    contractNumber: marker('CONTRACT', n),
  };
}

function supplyPoint(n: number) {
  return {
    leadInPoleNumber: marker('POLE', n),
    meter: { meterId: marker('SPMETER', n), type: 'smart', multiplier: 1 },
  };
}

/**
 * Unknown fields are withheld: neither their values nor their names (a sender may put personal data
 * in a key) may reach the audit.
 */
const UNKNOWN = {
  customer: { birthDate: marker('BIRTH', 0), email: `${RUN}@example.invalid`, [marker('KEYNAME', 0)]: true },
};

function validEvents(): Sent[] {
  const switches: Sent[] = [
    {
      sender: 'OCCTO',
      event: withData(
        factory.contractSwitch({
          seed: 1,
          area: '03',
          supplyPointId: SP1,
          sender: 'OCCTO',
          customer: customer(1),
          supplyPoint: supplyPoint(1),
        }),
        UNKNOWN,
      ),
    },
    {
      sender: 'R0002',
      event: factory.contractSwitch({
        seed: 2,
        area: '03',
        supplyPointId: SP2,
        sender: 'R0002',
        phase: 'accepted',
        lastResortSupply: true,
        customer: customer(2),
        supplyPoint: supplyPoint(2),
      }),
    },
  ];
  const readings: Sent[] = ['2026-11-24', '2026-11-25', '2026-11-26'].map((readingDate, i) => ({
    sender: 'TD03',
    event: factory.meterReading({
      seed: 10 + i,
      area: '03',
      supplyPointId: SP1,
      readingDate,
      meterId: marker('METER', i),
      contractNumber: marker('CONTRACT', 10 + i),
      totalKwh: 9876.5432 + i,
      sender: 'TD03',
    }),
  }));
  const negawatt: Sent = {
    sender: 'DR001',
    event: withData(factory.negawatt({ seed: 20, area: '03', supplyPointId: SP1, sender: 'DR001' }), {
      negawatt: { demandControl: { note: marker('DRNOTE', 0) } },
    }),
  };
  const toNobody: Sent = {
    sender: 'DR001',
    event: withData(
      factory.negawatt({
        seed: 30,
        area: '09',
        supplyPointId: SP3,
        contractorId: 'DR001',
        retailerId: 'R0003',
        sender: 'DR001',
      }),
      { negawatt: { demandControl: { note: marker('DRNOTE', 30) } } },
    ),
  };
  return [...switches, ...readings, negawatt, toNobody];
}

function withData(event: InboundEvent, patch: JsonObject): InboundEvent {
  return { ...event, data: deepMerge(event.data, patch) };
}

/** Invalid records, each carrying personal values, with the reason they must be rejected for. */
function invalidRecords(
  inbox: (id: string) => string,
): { reason: RejectionReason; record: ProducedRecord }[] {
  const reading = (seed: number, patch: JsonObject) =>
    withData(
      factory.meterReading({
        seed,
        area: '03',
        supplyPointId: SP1,
        contractNumber: marker('CONTRACT', seed),
        sender: 'TD03',
      }),
      patch,
    );
  return [
    {
      reason: 'out-of-range',
      record: { topic: inbox('TD03'), key: SP1, value: toRecordValue(reading(40, { totalKwh: -1 })) },
    },
    {
      reason: 'unknown-party',
      record: { topic: inbox('TD03'), key: SP1, value: toRecordValue(reading(41, { retailerId: 'R9999' })) },
    },
    {
      reason: 'key-mismatch',
      record: { topic: inbox('TD03'), key: SP_KEY, value: toRecordValue(reading(42, {})) },
    },
    // Strings the sender chose (its id, its source, an unknown type) reach the audit only sealed.
    {
      reason: 'unknown-type',
      record: {
        topic: inbox('TD03'),
        key: SP1,
        value: toRecordValue({
          ...reading(46, {}),
          id: marker('EVENTID', 46),
          type: `jp.example.${marker('TYPE', 46)}.v1`,
        }),
      },
    },
    {
      reason: 'source-mismatch',
      record: {
        topic: inbox('TD03'),
        key: SP1,
        value: toRecordValue({
          ...reading(47, {}),
          id: marker('EVENTID', 47),
          source: `urn:${marker('SOURCE', 47)}`,
        }),
      },
    },
    {
      reason: 'sender-not-allowed',
      record: {
        topic: inbox('R0001'),
        key: SP1,
        value: toRecordValue({
          ...reading(48, {}),
          source: 'urn:kyodo:party:R0001',
          id: marker('EVENTID', 48),
        }),
      },
    },
    {
      reason: 'unparseable',
      record: {
        topic: inbox('OCCTO'),
        key: SP2,
        value: `{"specversion":"1.0","data":{"customer":{"name":"${marker('NAME', 43)}","phone":"${marker('TEL', 43)}"`,
      },
    },
    {
      reason: 'area-mismatch',
      record: {
        topic: inbox('OCCTO'),
        key: SP2,
        value: toRecordValue(
          factory.contractSwitch({
            seed: 44,
            area: '03',
            supplyPointId: SP2,
            sender: 'OCCTO',
            customer: customer(44),
            supplyPoint: { area: '06' },
          }),
        ),
      },
    },
    {
      reason: 'source-mismatch',
      record: {
        topic: inbox('R0002'),
        key: SP1,
        value: toRecordValue(
          factory.contractSwitch({
            seed: 45,
            area: '03',
            supplyPointId: SP1,
            sender: 'R0001',
            customer: customer(45),
          }),
        ),
      },
    },
  ];
}

/** Every personal value this test sent, valid or not. */
function personalValues(): string[] {
  const values = new Set<string>([SP1, SP2, SP3, SP_KEY]);
  for (const n of [1, 2, 44, 45]) for (const v of Object.values(customer(n))) values.add(v);
  for (const n of [1, 2]) {
    values.add(marker('POLE', n));
    values.add(marker('SPMETER', n));
  }
  for (const i of [0, 1, 2]) {
    values.add(marker('METER', i));
    values.add(String(9876.5432 + i));
  }
  for (const n of [10, 11, 12, 30, 40, 41, 42, 46, 47, 48]) values.add(marker('CONTRACT', n));
  values.add(marker('NAME', 43));
  values.add(marker('TEL', 43));
  values.add(marker('BIRTH', 0));
  values.add(marker('KEYNAME', 0));
  values.add(`${RUN}@example.invalid`);
  values.add(marker('DRNOTE', 0));
  values.add(marker('DRNOTE', 30));
  for (const n of [46, 47, 48]) values.add(marker('EVENTID', n));
  values.add(marker('TYPE', 46));
  values.add(marker('SOURCE', 47));
  return [...values];
}

const coordinate = (topic: string, partition: number, offset: string) => `${topic}/${partition}/${offset}`;

describe('no personal data in clear in the audit trail (real Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  let config: KyodoConfig;
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let kyodo: Awaited<ReturnType<typeof startKyodo>>;
  let inboxes: { records: CollectedRecord[]; stop: () => Promise<void> };
  let side: { records: CollectedRecord[]; stop: () => Promise<void> };
  let valid: Sent[];
  let invalid: ReturnType<typeof invalidRecords>;
  let deliveries: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({ databaseUrl: db.url });
    await importRegistry(config, kafka, REGISTRY);
    kyodo = await startKyodo(config);
    ds = await openDatabase(db.url);
    const { topics } = kyodo;
    const inbox = (id: string) => topics.inbox(id);
    inboxes = await collect(
      kafka,
      REGISTRY.parties.map((p) => inbox(p.id)),
    );
    side = await collect(kafka, [
      topics.audit,
      topics.dlq,
      ...REGISTRY.parties.map((p) => topics.outbox(p.id)),
    ]);
    valid = validEvents();
    invalid = invalidRecords(inbox);
    deliveries = expectedDeliveries(valid, REGISTRY).length;
    // Every input is tagged, so its coordinates can be told apart once read back from the inboxes.
    const tagged: ProducedRecord[] = [
      ...valid.map((s) => ({
        topic: inbox(s.sender),
        key: s.event.subject,
        value: toRecordValue(s.event),
        headers: { 'x-test-input': 'valid' },
      })),
      ...invalid.map((b) => ({ ...b.record, headers: { 'x-test-input': 'invalid' } })),
    ];
    const producer = await kafka.createProducer();
    for (const record of tagged) await producer.send([record]);
    await producer.disconnect();
    const inputs = valid.length + invalid.length;
    await waitFor(() => inboxes.records.length >= inputs, { what: `${inputs} inputs read back` });
    const stored = await settleAuditRows(ds, deliveries + 1 + invalid.length);
    await waitFor(() => side.records.filter((r) => r.topic === topics.audit).length >= stored, {
      what: `${stored} records on the audit topic`,
    });
  });

  afterAll(async () => {
    await inboxes?.stop();
    await side?.stop();
    await kyodo?.stop();
    if (ds?.isInitialized) await ds.destroy();
    await kafka.close();
    await db?.drop();
  });

  /** Every row of every audit table (each monthly partition, the default one, chain heads, anchors) as JSON. */
  async function dumpAuditTables(): Promise<Map<string, string[]>> {
    const tables = await ds.query<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname LIKE 'audit%' ORDER BY 1`,
    );
    const dump = new Map<string, string[]>();
    for (const { name } of tables) {
      const rows = await ds.query<{ j: string }[]>(
        `SELECT row_to_json(t)::text AS j FROM "${name.replace(/"/g, '""')}" t`,
      );
      dump.set(
        name,
        rows.map((r) => r.j),
      );
    }
    return dump;
  }

  it('sent the personal values for real: the recipients and the dead-letter topic hold them', () => {
    const text = side.records
      .filter((r) => r.topic !== kyodo.topics.audit)
      .map((r) => r.value!.toString('utf8'))
      .join('\n');
    for (const value of [
      SP1,
      SP2,
      marker('NAME', 1),
      marker('TEL', 1),
      marker('CONTRACT', 10),
      marker('NAME', 43),
      marker('CONTRACT', 42),
    ]) {
      expect({ value, found: text.includes(value) }).toEqual({ value, found: true });
    }
  });

  it("stores none of them in any audit table, while the rows are there under the supply points' HMACs", async () => {
    const dump = await dumpAuditTables();
    expect([...dump.keys()]).toEqual(
      expect.arrayContaining([
        'audit_record',
        'audit_record_default',
        'audit_chain_head',
        'audit_chain_anchor',
      ]),
    );
    const all = [...dump.values()].flat().join('\n');
    const leaked = personalValues().filter((value) => all.includes(value));
    expect(leaked).toEqual([]);

    const records = (
      await ds.query<{ j: string }[]>('SELECT row_to_json(t)::text AS j FROM audit_record t')
    ).map((r) => r.j);
    expect(records).toHaveLength(deliveries + 1 + invalid.length);
    const text = records.join('\n');
    for (const spid of [SP1, SP2, SP3]) {
      const hmac = supplyPointHmac(config.auditHmacKey, spid);
      expect({ spid, hmacStored: text.includes(hmac) }).toEqual({ spid, hmacStored: true });
    }
    // The audit's own vocabulary is there too: field paths, not values.
    expect(text).toContain('customer.name');
    expect(text).toContain('customer.(unknown)');
  });

  it('puts none of them on the audit topic either', () => {
    const text = side.records
      .filter((r) => r.topic === kyodo.topics.audit)
      .map((r) => `${r.key?.toString('utf8') ?? ''} ${r.value!.toString('utf8')}`)
      .join('\n');
    expect(personalValues().filter((value) => text.includes(value))).toEqual([]);
    expect(text).toContain(supplyPointHmac(config.auditHmacKey, SP1));
  });

  it('accounts for every input: rejected rows = invalid inputs, distinct delivered inputs = valid inputs', async () => {
    const byOutcome = await ds.query<{ outcome: string; n: string }[]>(
      'SELECT outcome, count(*)::text AS n FROM audit_record GROUP BY outcome ORDER BY outcome',
    );
    expect(Object.fromEntries(byOutcome.map((r) => [r.outcome, Number(r.n)]))).toEqual({
      delivered: deliveries,
      'no-recipient': 1,
      rejected: invalid.length,
    });

    const rows = await ds.query<
      { topic: string; partition: number; offset: string; outcome: string; reason: string | null }[]
    >(
      `SELECT inbound_topic AS topic, inbound_partition AS partition, inbound_offset::text AS offset, outcome, reason FROM audit_record`,
    );
    const rejected = rows.filter((r) => r.outcome === 'rejected');
    const accepted = new Set(
      rows.filter((r) => r.outcome !== 'rejected').map((r) => coordinate(r.topic, r.partition, r.offset)),
    );
    expect(rejected).toHaveLength(invalid.length);
    expect(accepted.size).toBe(valid.length);

    // Not just the counts: the very records sent, by their coordinates in the inboxes.
    const sentAs = (tag: string) =>
      inboxes.records
        .filter((r) => r.headers['x-test-input'] === tag)
        .map((r) => coordinate(r.topic, r.partition, r.offset))
        .sort();
    expect([...accepted].sort()).toEqual(sentAs('valid'));
    expect(rejected.map((r) => coordinate(r.topic, r.partition, r.offset)).sort()).toEqual(sentAs('invalid'));
    expect(rejected.map((r) => r.reason).sort()).toEqual(invalid.map((b) => b.reason).sort());
  });
});
