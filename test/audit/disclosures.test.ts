import type { DataSource } from 'typeorm';
import { supplyPointHmac, type AuditRecord } from '@kyodo/audit';
import type { JsonObject, RegistryData } from '@kyodo/contracts';
import { factory, fixtureParties } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import { AuditRepository } from '@kyodo/persistence';
import {
  collect,
  createTestDatabase,
  testConfig,
  testKafka,
  waitFor,
  type CollectedRecord,
} from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';
import {
  expectedDeliveries,
  leafPaths,
  openDatabase,
  send,
  settleAuditRows,
  deliveredRowCount,
  type ExpectedDelivery,
  type Sent,
} from './audit-support';

// The disclosure report of one supply point, end to end: the gateway and the audit writer run on the
// real broker and database; what `disclosures` lists is compared with what the contract says must have
// been delivered for the traffic sent, worked out here from the inputs and the contract's table.

const SP_A = '0300000000000000004711'; // the customer whose disclosures are asked for (Tokyo)
const SP_B = '0600000000000000000815'; // another customer in the same run (Kansai), same recipients

const REGISTRY: RegistryData = {
  parties: fixtureParties('R0001', 'R0002', 'TD03', 'TD06', 'OCCTO', 'DR001', 'DR002', 'TP001', 'TP002'),
  enrollments: [
    { aggregatorId: 'DR001', supplyPointId: SP_A, from: '2026-04-01', to: '2027-03-31' },
    // Joins on the 21st: only the last ten readings of the month.
    { aggregatorId: 'DR002', supplyPointId: SP_A, from: '2026-11-21', to: '2027-11-20' },
    { aggregatorId: 'DR002', supplyPointId: SP_B, from: '2026-04-01', to: '2027-03-31' },
  ],
  consents: [
    {
      id: 'C-A1',
      thirdPartyId: 'TP001',
      supplyPointId: SP_A,
      categories: ['meter-reading', 'negawatt'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: null,
    },
    // Revoked before any of the traffic: TP002 must never appear in SP_A's report.
    {
      id: 'C-A2',
      thirdPartyId: 'TP002',
      supplyPointId: SP_A,
      categories: ['meter-reading', 'negawatt'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: '2026-10-15T00:00:00+09:00',
    },
    {
      id: 'C-B1',
      thirdPartyId: 'TP002',
      supplyPointId: SP_B,
      categories: ['meter-reading'],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: null,
    },
  ],
};

const NOVEMBER = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
/** The switch from R0001 to R0002 takes effect on the 25th: readings from then on name R0002. */
const EFFECTIVE = '2026-11-25';

function switchPhase(phase: 'requested' | 'accepted' | 'completed', sender: string, time: string): Sent {
  const event = factory.contractSwitch({
    seed: 11,
    area: '03',
    supplyPointId: SP_A,
    phase,
    fromRetailerId: 'R0001',
    toRetailerId: 'R0002',
    effectiveDate: EFFECTIVE,
    sender,
    time,
  });
  return { sender, event };
}

function readingA(day: string, i: number): Sent {
  const retailerId = day < EFFECTIVE ? 'R0001' : 'R0002';
  return {
    sender: 'TD03',
    event: factory.meterReading({
      seed: 100 + i,
      area: '03',
      supplyPointId: SP_A,
      retailerId,
      readingDate: day,
      sender: 'TD03',
    }),
  };
}

function readingB(day: string, i: number): Sent {
  return {
    sender: 'TD06',
    event: factory.meterReading({
      seed: 200 + i,
      area: '06',
      supplyPointId: SP_B,
      retailerId: 'R0001',
      readingDate: day,
      sender: 'TD06',
    }),
  };
}

/** Phase 1: the switch is requested and accepted, first half of the month. */
function phaseOne(): Sent[] {
  return [
    switchPhase('requested', 'OCCTO', '2026-11-03T10:00:00+09:00'),
    switchPhase('accepted', 'TD03', '2026-11-04T15:30:00+09:00'),
    ...NOVEMBER.slice(0, 15).map((day, i) => readingA(day, i)),
    {
      sender: 'OCCTO',
      event: factory.contractSwitch({
        seed: 21,
        area: '06',
        supplyPointId: SP_B,
        fromRetailerId: 'R0001',
        toRetailerId: 'R0002',
        sender: 'OCCTO',
      }),
    },
    ...NOVEMBER.slice(0, 5).map((day, i) => readingB(day, i)),
  ];
}

/** Phase 2: second half of the month, a negawatt dispatch, the switch completes. */
function phaseTwo(): Sent[] {
  return [
    ...NOVEMBER.slice(15).map((day, i) => readingA(day, 15 + i)),
    {
      sender: 'DR001',
      event: factory.negawatt({
        seed: 31,
        area: '03',
        supplyPointId: SP_A,
        contractorId: 'DR001',
        retailerId: 'R0001',
        date: '2026-11-20',
        sender: 'DR001',
      }),
    },
    switchPhase('completed', 'OCCTO', '2026-11-25T00:00:00+09:00'),
    ...NOVEMBER.slice(5, 10).map((day, i) => readingB(day, 5 + i)),
    {
      sender: 'DR002',
      event: factory.negawatt({
        seed: 32,
        area: '06',
        supplyPointId: SP_B,
        contractorId: 'DR002',
        retailerId: 'R0001',
        date: '2026-11-20',
        sender: 'DR002',
      }),
    },
  ];
}

/** What a disclosure row says, in the shape the expectation is written in. */
function disclosed(r: AuditRecord): ExpectedDelivery {
  return {
    inboundSource: r.inboundSource!,
    inboundId: r.inboundId!,
    type: r.type!,
    eventTime: r.eventTime!,
    supplyPointId: '(hmac)',
    recipientId: r.recipientId!,
    recipientRole: r.recipientRole!,
    relations: [...r.relations].sort(),
    purposes: [...r.purposes],
    fieldsDelivered: [...r.fieldsDelivered].sort(),
    outboundId: r.outboundId!,
  };
}

function comparable(expected: readonly ExpectedDelivery[]): ExpectedDelivery[] {
  return expected
    .map((e) => ({ ...e, supplyPointId: '(hmac)', relations: [...e.relations].sort() }))
    .sort((a, b) => a.outboundId.localeCompare(b.outboundId));
}

function byOutboundId(rows: readonly AuditRecord[]): ExpectedDelivery[] {
  return rows.map(disclosed).sort((a, b) => a.outboundId.localeCompare(b.outboundId));
}

describe('disclosure report from the audit trail (real Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  let config: KyodoConfig;
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let repository: AuditRepository;
  let kyodo: Awaited<ReturnType<typeof startKyodo>>;
  let outboxes: { records: CollectedRecord[]; stop: () => Promise<void> };
  let first: ExpectedDelivery[];
  let second: ExpectedDelivery[];
  /** An instant after every phase-1 decision and before every phase-2 one. */
  let boundary: Date;
  let hmacA: string;
  let hmacB: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({ databaseUrl: db.url });
    hmacA = supplyPointHmac(config.auditHmacKey, SP_A);
    hmacB = supplyPointHmac(config.auditHmacKey, SP_B);
    await importRegistry(config, kafka, REGISTRY);
    kyodo = await startKyodo(config);
    ds = await openDatabase(db.url);
    repository = new AuditRepository(ds);
    const inbox = (id: string) => kyodo.topics.inbox(id);
    outboxes = await collect(
      kafka,
      REGISTRY.parties.map((p) => kyodo.topics.outbox(p.id)),
    );

    const one = phaseOne();
    first = expectedDeliveries(one, REGISTRY);
    await send(kafka, inbox, one);
    await settleAuditRows(ds, first.length);

    boundary = new Date();
    await waitFor(() => Date.now() > boundary.getTime() + 1, { what: 'the clock to pass the boundary' });
    const two = phaseTwo();
    second = expectedDeliveries(two, REGISTRY);
    await send(kafka, inbox, two);
    await settleAuditRows(ds, first.length + second.length);
    // Every delivery the trail records is on an outbox too (same Kafka transaction).
    const delivered = await deliveredRowCount(ds);
    await waitFor(() => outboxes.records.length >= delivered, {
      what: `${delivered} deliveries on the outboxes`,
    });
  });

  afterAll(async () => {
    await outboxes?.stop();
    await kyodo?.stop();
    if (ds?.isInitialized) await ds.destroy();
    await kafka.close();
    await db?.drop();
  });

  const about = (spid: string, list: readonly ExpectedDelivery[]) =>
    list.filter((e) => e.supplyPointId === spid);

  it('lists exactly the deliveries about the supply point: recipient, role, purposes, type, outbound id, fields', async () => {
    const expected = comparable(about(SP_A, [...first, ...second]));
    // The traffic really is what this test is about: a switch in three phases, a month of readings, a dispatch.
    expect(expected).toHaveLength(3 + 3 + 3 + (30 + 30 + 10 + 30) + 3);
    const rows = await repository.disclosures({ supplyPointHmac: hmacA });
    expect(byOutboundId(rows)).toEqual(expected);
    for (const row of rows) {
      expect(row).toMatchObject({ supplyPointHmac: hmacA, outcome: 'delivered', reason: null });
      expect(row.policyVersion).toMatch(/\S/);
    }
    // Listed by time of decision.
    const times = rows.map((r) => Date.parse(r.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('holds nothing about the other supply point sent in the same run, which has its own report', async () => {
    const rowsA = await repository.disclosures({ supplyPointHmac: hmacA });
    const idsB = new Set(about(SP_B, [...first, ...second]).map((e) => e.outboundId));
    expect(idsB.size).toBeGreaterThan(0);
    expect(rowsA.filter((r) => idsB.has(r.outboundId!))).toEqual([]);
    const rowsB = await repository.disclosures({ supplyPointHmac: hmacB });
    expect(byOutboundId(rowsB)).toEqual(comparable(about(SP_B, [...first, ...second])));
  });

  it('never lists the third party whose consent was revoked, nor the aggregator before its enrollment', async () => {
    expect(await repository.disclosures({ supplyPointHmac: hmacA, recipientId: 'TP002' })).toEqual([]);
    // TP002 does receive the other customer's readings: the filter, not an absence of rows, empties the list.
    expect((await repository.disclosures({ supplyPointHmac: hmacB, recipientId: 'TP002' })).length).toBe(10);
    const dr002 = await repository.disclosures({ supplyPointHmac: hmacA, recipientId: 'DR002' });
    const days = dr002.map((r) => r.inboundId!).sort();
    const readings = about(SP_A, second)
      .filter((e) => e.recipientId === 'DR002')
      .map((e) => e.inboundId)
      .sort();
    expect(days).toEqual(readings);
    expect(days).toHaveLength(10);
  });

  it("matches each listed delivery with the event on the recipient's outbox: id, audit id, purposes, fields", async () => {
    const rows = await repository.disclosures({ supplyPointHmac: hmacA });
    for (const row of rows) {
      const topic = kyodo.topics.outbox(row.recipientId!);
      const match = outboxes.records
        .filter((r) => r.topic === topic)
        .map((r) => JSON.parse(r.value!.toString('utf8')) as JsonObject)
        .filter((o) => o.id === row.outboundId);
      expect(match).toHaveLength(1);
      const [outbound] = match;
      expect(outbound).toMatchObject({
        kyodoaudit: row.id,
        kyodopurpose: row.purposes.join(' '),
        kyodopolicy: row.policyVersion,
        subject: SP_A,
      });
      expect(leafPaths(outbound.data)).toEqual([...row.fieldsDelivered].sort());
    }
  });

  it('filters by time of decision: [from, to) splits the report where the traffic was split', async () => {
    const before = await repository.disclosures({ supplyPointHmac: hmacA, to: boundary });
    const after = await repository.disclosures({ supplyPointHmac: hmacA, from: boundary.toISOString() });
    expect(byOutboundId(before)).toEqual(comparable(about(SP_A, first)));
    expect(byOutboundId(after)).toEqual(comparable(about(SP_A, second)));
    // The same instant written in Japan time selects the same rows.
    const jst = `${new Date(boundary.getTime() + 9 * 3_600_000).toISOString().slice(0, 23)}+09:00`;
    expect(byOutboundId(await repository.disclosures({ supplyPointHmac: hmacA, from: jst }))).toEqual(
      byOutboundId(after),
    );
    // A window ending where the first row was decided holds nothing (`to` is exclusive); starting there, everything.
    const all = await repository.disclosures({ supplyPointHmac: hmacA });
    const firstTime = all[0].time;
    expect(await repository.disclosures({ supplyPointHmac: hmacA, to: firstTime })).toEqual([]);
    expect(await repository.disclosures({ supplyPointHmac: hmacA, from: firstTime })).toHaveLength(
      all.length,
    );
    const later = new Date(Date.now() + 60_000);
    expect(await repository.disclosures({ supplyPointHmac: hmacA, from: later })).toEqual([]);
  });

  it('filters by recipient, alone and with a time range', async () => {
    const all = about(SP_A, [...first, ...second]);
    const recipients = [...new Set(all.map((e) => e.recipientId))].sort();
    expect(recipients).toEqual(['DR001', 'DR002', 'OCCTO', 'R0001', 'R0002', 'TD03', 'TP001']);
    for (const recipientId of recipients) {
      const rows = await repository.disclosures({ supplyPointHmac: hmacA, recipientId });
      expect({ recipientId, rows: byOutboundId(rows) }).toEqual({
        recipientId,
        rows: comparable(all.filter((e) => e.recipientId === recipientId)),
      });
      const late = await repository.disclosures({ supplyPointHmac: hmacA, recipientId, from: boundary });
      expect({ recipientId, rows: byOutboundId(late) }).toEqual({
        recipientId,
        rows: comparable(about(SP_A, second).filter((e) => e.recipientId === recipientId)),
      });
    }
    expect(await repository.disclosures({ supplyPointHmac: hmacA, recipientId: 'TD06' })).toEqual([]);
  });
});
