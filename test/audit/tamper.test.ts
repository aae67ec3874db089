import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  auditRowHash,
  verifyChain,
  type ChainedAuditRow,
  type ChainFault,
  type ChainVerification,
} from '@kyodo/audit';
import type { RegistryData } from '@kyodo/contracts';
import { factory, supplyPointId, fixtureParties } from '@kyodo/contracts/testing';
import { AuditRepository } from '@kyodo/persistence';
import { createTestDatabase, testConfig, testKafka } from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';
import { expectedDeliveries, openDatabase, send, settleAuditRows, type Sent } from './audit-support';

// Tamper evidence on real gateway output: the gateway and the audit writer fill the trail, then the
// rows are edited, deleted and forged directly in PostgreSQL, as someone with database access would,
// and verification must name the row where the chain breaks. Each case restores the trail after itself.

const SUPPLY_POINTS = [1, 2, 3, 4, 5, 6].map((n) => supplyPointId('03', n));

const REGISTRY: RegistryData = {
  parties: fixtureParties('R0001', 'R0002', 'TD03', 'OCCTO', 'DR001', 'TP001', 'TP002'),
  enrollments: SUPPLY_POINTS.map((spid) => ({
    aggregatorId: 'DR001',
    supplyPointId: spid,
    from: '2026-01-01',
    to: '2027-12-31',
  })),
  consents: SUPPLY_POINTS.map((spid, i) => ({
    id: `C${i}`,
    thirdPartyId: 'TP001',
    supplyPointId: spid,
    categories: ['meter-reading' as const],
    from: '2026-01-01',
    to: '2027-12-31',
    revokedAt: null,
  })),
};

/** A round of traffic: a switch and two readings per supply point. */
function round(n: number): Sent[] {
  return SUPPLY_POINTS.flatMap((spid, i): Sent[] => [
    {
      sender: 'OCCTO',
      event: factory.contractSwitch({
        seed: 1000 * n + i,
        area: '03',
        supplyPointId: spid,
        phase: n === 1 ? 'requested' : 'completed',
        sender: 'OCCTO',
      }),
    },
    ...[`2026-11-${10 + 2 * n}`, `2026-11-${11 + 2 * n}`].map((readingDate, j) => ({
      sender: 'TD03',
      event: factory.meterReading({
        seed: 1000 * n + 100 + 10 * i + j,
        area: '03',
        supplyPointId: spid,
        readingDate,
        sender: 'TD03',
      }),
    })),
  ]);
}

function fault(result: ChainVerification): ChainFault {
  if (result.ok) throw new Error('expected the chain to be found broken, but it verified');
  return result.firstBad;
}

describe('tamper evidence of the audit trail written from real gateway output', () => {
  const kafka = testKafka();
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let repository: AuditRepository;
  let total: number;
  /** The chain as the writer left it, in chain order. */
  let chain: ChainedAuditRow[];

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = testConfig({ databaseUrl: db.url });
    await importRegistry(config, kafka, REGISTRY);
    const kyodo = await startKyodo(config);
    ds = await openDatabase(db.url);
    repository = new AuditRepository(ds);
    try {
      // Two rounds, each waited for: every audit partition gets rows of more than one Kafka transaction.
      total = 0;
      for (const n of [1, 2]) {
        const sent = round(n);
        total += expectedDeliveries(sent, REGISTRY).length;
        await send(kafka, (id) => kyodo.topics.inbox(id), sent);
        await settleAuditRows(ds, total);
      }
    } finally {
      // The writer stops: nothing but this test touches the trail from here on.
      await kyodo.stop();
    }
    chain = [];
    for await (const row of repository.streamChain()) chain.push(row);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await kafka.close();
    await db?.drop();
  });

  /** Rows only, as `streamChain` yields them. */
  const verifyRows = () => verifyChain(repository.streamChain());

  /** Rows checked against the recorded chain heads (and anchors), from one snapshot. */
  async function verifyWithHeads(): Promise<ChainVerification> {
    const snapshot = await repository.openChainSnapshot();
    try {
      return await verifyChain(snapshot.rows, { heads: snapshot.heads, anchors: snapshot.anchors });
    } finally {
      await snapshot.close();
    }
  }

  async function expectIntact(): Promise<void> {
    expect(await verifyRows()).toMatchObject({ ok: true, rows: total });
    expect(await verifyWithHeads()).toMatchObject({ ok: true, rows: total });
  }

  /** The longest chain, and a row in its middle that disclosed something. */
  function middleOfLongestChain(): { rows: ChainedAuditRow[]; index: number } {
    const partitions = [...new Set(chain.map((r) => r.chainPartition))];
    const rows = partitions
      .map((p) => chain.filter((r) => r.chainPartition === p))
      .sort((a, b) => b.length - a.length)[0];
    const index = Math.floor(rows.length / 2);
    return { rows, index };
  }

  const where = (row: ChainedAuditRow) => [row.id, row.chainPartition, row.chainOffset];
  const WHERE = 'id = $1 AND chain_partition = $2 AND chain_offset = $3::bigint';

  async function insertRow(row: ChainedAuditRow): Promise<void> {
    const columns = {
      id: row.id,
      time: row.time,
      event_time: row.eventTime,
      inbound_topic: row.inboundTopic,
      inbound_partition: row.inboundPartition,
      inbound_offset: row.inboundOffset,
      inbound_source: row.inboundSource,
      inbound_id: row.inboundId,
      type: row.type,
      supply_point_hmac: row.supplyPointHmac,
      recipient_id: row.recipientId,
      recipient_role: row.recipientRole,
      relations: row.relations,
      purposes: row.purposes,
      fields_delivered: row.fieldsDelivered,
      fields_withheld: row.fieldsWithheld,
      policy_version: row.policyVersion,
      outcome: row.outcome,
      reason: row.reason,
      outbound_id: row.outboundId,
      // Copied like every other field: a forgery that dropped it would fail on its content instead.
      basis: row.basis ?? null,
      chain_partition: row.chainPartition,
      chain_offset: row.chainOffset,
      prev_hash: row.prevHash,
      hash: row.hash,
    };
    await ds.query(
      'INSERT INTO audit_record SELECT * FROM jsonb_populate_record(NULL::audit_record, $1::jsonb)',
      [JSON.stringify(columns)],
    );
  }

  /** A delivery that never happened, chained after `after` at `offset` with a correctly computed hash. */
  function forgeAfter(after: ChainedAuditRow, offset: bigint): ChainedAuditRow {
    const record = {
      ...after,
      id: randomUUID(),
      recipientId: 'TP002',
      recipientRole: 'third-party' as const,
      relations: ['consented-third-party'],
      purposes: ['third-party-consent'],
      outboundId: randomUUID(),
    };
    const chainOffset = offset.toString();
    return {
      ...record,
      chainOffset,
      prevHash: after.hash,
      hash: auditRowHash(record, after.chainPartition, chainOffset, after.hash),
    };
  }

  it("verifies the untouched trail the writer built from the gateway's output", async () => {
    expect(chain).toHaveLength(total);
    expect(total).toBe(2 * 6 * (3 + 2 * 3));
    expect(middleOfLongestChain().rows.length).toBeGreaterThanOrEqual(4);
    await expectIntact();
  });

  it('names the row whose fields_delivered was edited, and verifies again once it is restored', async () => {
    const { rows, index } = middleOfLongestChain();
    const target = rows[index];
    expect(target.fieldsDelivered.length).toBeGreaterThan(1);
    // Hiding that one field was disclosed.
    await ds.query(
      `UPDATE audit_record SET fields_delivered = fields_delivered[2:] WHERE ${WHERE}`,
      where(target),
    );
    const expected = {
      chainPartition: target.chainPartition,
      chainOffset: target.chainOffset,
      id: target.id,
      problem: 'edited',
    };
    expect(fault(await verifyRows())).toMatchObject(expected);
    expect(fault(await verifyWithHeads())).toMatchObject(expected);

    await ds.query(`UPDATE audit_record SET fields_delivered = $4::text[] WHERE ${WHERE}`, [
      ...where(target),
      target.fieldsDelivered,
    ]);
    await expectIntact();
  });

  it('catches an edit whose own hash was recomputed, at the next row', async () => {
    const { rows, index } = middleOfLongestChain();
    const target = rows[index];
    const next = rows[index + 1];
    const edited = { ...target, recipientId: 'R0002' };
    const hash = auditRowHash(edited, target.chainPartition, target.chainOffset, target.prevHash);
    await ds.query(`UPDATE audit_record SET recipient_id = $4, hash = $5 WHERE ${WHERE}`, [
      ...where(target),
      'R0002',
      hash,
    ]);
    expect(fault(await verifyRows())).toMatchObject({
      chainPartition: next.chainPartition,
      chainOffset: next.chainOffset,
      id: next.id,
      problem: 'deleted-or-inserted',
    });

    await ds.query(`UPDATE audit_record SET recipient_id = $4, hash = $5 WHERE ${WHERE}`, [
      ...where(target),
      target.recipientId,
      target.hash,
    ]);
    await expectIntact();
  });

  it('detects a deleted middle row at the row after it, and verifies again once it is put back', async () => {
    const { rows, index } = middleOfLongestChain();
    const target = rows[index];
    const next = rows[index + 1];
    const [saved] = await ds.query<{ j: string }[]>(
      `SELECT row_to_json(a)::text AS j FROM audit_record a WHERE ${WHERE}`,
      where(target),
    );
    await ds.query(`DELETE FROM audit_record WHERE ${WHERE}`, where(target));
    const expected = {
      chainPartition: next.chainPartition,
      chainOffset: next.chainOffset,
      id: next.id,
      problem: 'deleted-or-inserted',
    };
    expect(fault(await verifyRows())).toMatchObject(expected);
    expect(fault(await verifyWithHeads())).toMatchObject(expected);

    await ds.query(
      'INSERT INTO audit_record SELECT * FROM json_populate_record(NULL::audit_record, $1::json)',
      [saved.j],
    );
    await expectIntact();
  });

  it('detects rows cut from the end of a chain against the recorded head', async () => {
    const { rows } = middleOfLongestChain();
    const last = rows[rows.length - 1];
    const [saved] = await ds.query<{ j: string }[]>(
      `SELECT row_to_json(a)::text AS j FROM audit_record a WHERE ${WHERE}`,
      where(last),
    );
    await ds.query(`DELETE FROM audit_record WHERE ${WHERE}`, where(last));
    // The rows alone still link up; only the head recorded with every append shows the cut.
    expect(await verifyRows()).toMatchObject({ ok: true });
    expect(fault(await verifyWithHeads())).toMatchObject({
      chainPartition: last.chainPartition,
      chainOffset: last.chainOffset,
      id: null,
      problem: 'deleted-or-inserted',
    });

    await ds.query(
      'INSERT INTO audit_record SELECT * FROM json_populate_record(NULL::audit_record, $1::json)',
      [saved.j],
    );
    await expectIntact();
  });

  it('names a forged row inserted between two rows, even one hashed and linked correctly', async () => {
    // Transaction markers leave offsets unused between two transactions' records: a place to slip a row in.
    const gap = chain.findIndex((row, i) => {
      const next = chain[i + 1];
      return (
        next !== undefined &&
        next.chainPartition === row.chainPartition &&
        BigInt(next.chainOffset) - BigInt(row.chainOffset) >= 2n
      );
    });
    expect(gap).toBeGreaterThanOrEqual(0);
    const before = chain[gap];
    const forged = forgeAfter(before, BigInt(before.chainOffset) + 1n);
    await insertRow(forged);
    const expected = {
      chainPartition: forged.chainPartition,
      chainOffset: forged.chainOffset,
      id: forged.id,
      problem: 'deleted-or-inserted',
    };
    expect(fault(await verifyRows())).toMatchObject(expected);
    expect(fault(await verifyWithHeads())).toMatchObject(expected);
    await ds.query(`DELETE FROM audit_record WHERE ${WHERE}`, where(forged));

    // A cruder forgery, with a made-up hash, fails on its own content.
    const crude = { ...forged, id: randomUUID(), hash: 'f'.repeat(64) };
    await insertRow(crude);
    expect(fault(await verifyRows())).toMatchObject({
      id: crude.id,
      chainOffset: crude.chainOffset,
      problem: 'edited',
    });
    await ds.query(`DELETE FROM audit_record WHERE ${WHERE}`, where(crude));
    await expectIntact();
  });

  it("catches a forged row appended after a chain's end against the recorded head", async () => {
    const { rows } = middleOfLongestChain();
    const last = rows[rows.length - 1];
    const forged = forgeAfter(last, BigInt(last.chainOffset) + 1n);
    await insertRow(forged);
    expect(fault(await verifyWithHeads())).toMatchObject({
      chainPartition: forged.chainPartition,
      chainOffset: forged.chainOffset,
      id: forged.id,
      problem: 'deleted-or-inserted',
    });

    await ds.query(`DELETE FROM audit_record WHERE ${WHERE}`, where(forged));
    await expectIntact();
  });
});
