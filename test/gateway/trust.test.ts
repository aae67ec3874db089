import type { Consent, InboundEvent, JsonObject, RegistryData } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import type { KyodoMetrics } from '@kyodo/observability';
import { createDataSource } from '@kyodo/persistence';
import { METRICS } from '@kyodo/platform';
import type { DataSource } from 'typeorm';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import {
  collect,
  createTestDatabase,
  testConfig,
  testKafka,
  waitFor,
  type CollectedRecord,
} from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';

/** Runs `work` on a connection of its own to the test database. */
async function withDataSource<T>(url: string, work: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = createDataSource(url);
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

// Revocation at processing time and fail-closed on a stale registry (contract v1.1), on the real broker
// and database, while the gateway runs. Every topic has one partition, so an outbox is totally ordered
// and a sentinel that reaches a party proves everything sent before it was processed.

const SP_REVOKED = '0300000000000000000001'; // consent C1 for TP001: revoked mid-run
const SP_SENTINEL = '0300000000000000000002'; // consent C2 for TP001: stays in force
const SP_AGREED = '0300000000000000000003'; // consents for TP001 (with an agreement) and TP002 (without)

const consent = (
  id: string,
  supplyPointId: string,
  revokedAt: string | null,
  thirdPartyId = 'TP001',
): Consent => ({
  id,
  thirdPartyId,
  supplyPointId,
  categories: ['meter-reading'],
  from: '2026-01-01',
  to: '2027-12-31',
  revokedAt,
});

const REGISTRY: RegistryData = {
  parties: [
    { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
    { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
  ],
  enrollments: [],
  consents: [consent('C1', SP_REVOKED, null), consent('C2', SP_SENTINEL, null)],
};

let seed = 100;
/** A meter reading from the area's TSO, dated well before today: a late, back-dated event. */
function reading(supplyPointId: string, id: string): InboundEvent {
  seed += 1;
  return factory.meterReading({
    seed,
    area: '03',
    supplyPointId,
    retailerId: 'R0001',
    readingDate: '2026-11-01',
    time: '2026-11-01T15:30:00Z',
    id,
    sender: 'TD03',
  });
}

describe('trust at processing time (real Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  let config: KyodoConfig;
  let db: { url: string; drop: () => Promise<void> };
  let kyodo: Awaited<ReturnType<typeof startKyodo>>;
  let outboxes: { records: CollectedRecord[]; stop: () => Promise<void> };
  let audit: { records: CollectedRecord[]; stop: () => Promise<void> };
  let round = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({
      databaseUrl: db.url,
      partitionsPerTopic: 1,
      registryRefreshMs: 200,
      registryMaxStalenessMs: 3000,
    });
    await importRegistry(config, kafka, REGISTRY);
    kyodo = await startKyodo(config, [GatewayModule]);
    outboxes = await collect(kafka, [kyodo.topics.outbox('TP001'), kyodo.topics.outbox('R0001')]);
    audit = await collect(kafka, [kyodo.topics.audit]);
  });

  afterAll(async () => {
    await outboxes?.stop();
    await audit?.stop();
    await kyodo?.stop();
    await kafka.close();
    await db?.drop();
  });

  const originIds = (party: string): string[] =>
    outboxes.records
      .filter((r) => r.topic === kyodo.topics.outbox(party))
      .map((r) => String((JSON.parse(r.value!.toString('utf8')) as JsonObject).kyodooriginid));

  async function send(events: readonly InboundEvent[]): Promise<void> {
    const producer = await kafka.createProducer();
    await producer.send(
      events.map((e) => ({ topic: kyodo.topics.inbox('TD03'), key: e.subject, value: toRecordValue(e) })),
    );
    await producer.disconnect();
  }

  /**
   * Barrier: the retailer, which receives every reading, has `id`; then TP001's outbox is read up to its
   * high watermark (the last data record of a transactional topic is at high-2, before the commit
   * marker), so whatever the gateway delivered to TP001 in or before that transaction is in hand.
   */
  async function processed(id: string): Promise<void> {
    await waitFor(() => originIds('R0001').includes(id), { what: `${id} at R0001`, timeoutMs: 20_000 });
    const topic = kyodo.topics.outbox('TP001');
    const [{ high }] = await kafka.topicOffsets(topic);
    if (BigInt(high) === 0n) return;
    await waitFor(
      () =>
        outboxes.records.some((r) => r.topic === topic && BigInt(r.offset) >= BigInt(high) - 2n) || undefined,
      { what: `TP001's outbox read to offset ${high}`, timeoutMs: 20_000 },
    );
  }

  /** Sends one probe reading per round until TP001 no longer receives one; returns the ms it took. */
  async function roundsUntilWithheld(supplyPointId: string, boundMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      round += 1;
      const id = `probe-${round}`;
      await send([reading(supplyPointId, id)]);
      await processed(id);
      if (!originIds('TP001').includes(id)) return Date.now() - started;
      if (Date.now() - started > boundMs + 10_000) {
        throw new Error(`TP001 still received ${id} ${Date.now() - started} ms later`);
      }
    }
  }

  it('stops delivering late events under a consent revoked mid-run, within the staleness bound', async () => {
    await send([reading(SP_REVOKED, 'before-revocation')]);
    await processed('before-revocation');
    expect(originIds('TP001')).toEqual(['before-revocation']);

    // The revocation is imported while the gateway runs; the events sent after it are dated weeks earlier.
    await importRegistry(config, kafka, {
      parties: [],
      enrollments: [],
      consents: [consent('C1', SP_REVOKED, new Date().toISOString())],
    });
    const tookMs = await roundsUntilWithheld(SP_REVOKED, config.registryMaxStalenessMs);
    process.stdout.write(
      `revocation in effect ${tookMs} ms after its import (refresh ${config.registryRefreshMs} ms, bound ${config.registryMaxStalenessMs} ms)\n`,
    );
    expect(tookMs).toBeLessThanOrEqual(config.registryMaxStalenessMs);

    // From then on: none of a run of late events reaches TP001; the retailer gets every one; a
    // sentinel under the consent still in force ends the run.
    const late = Array.from({ length: 5 }, (_, i) => reading(SP_REVOKED, `late-${i}`));
    const sentinel = reading(SP_SENTINEL, 'sentinel-1');
    const before = originIds('TP001');
    await send([...late, sentinel]);
    await processed('sentinel-1');
    await waitFor(() => originIds('TP001').includes('sentinel-1'), { what: 'the sentinel at TP001' });
    expect(originIds('TP001')).toEqual([...before, 'sentinel-1']);
    expect(originIds('R0001')).toEqual(expect.arrayContaining(late.map((e) => e.id)));
  });

  it('fails closed while its registry copy is stale: no third party, the other relations go on', async () => {
    const metrics = kyodo.app.get<KyodoMetrics>(METRICS);
    const stale = async () => (await metrics.registryStale.get()).values[0]?.value;
    expect(await stale()).toBe(0);

    // The gateway can no longer read the registry version: every refresh fails from now on.
    await withDataSource(config.databaseUrl, (ds) =>
      ds.query(`ALTER TABLE registry_version RENAME TO registry_version_offline`),
    );
    const tookMs = await roundsUntilWithheld(SP_SENTINEL, config.registryMaxStalenessMs);
    process.stdout.write(`unreadable registry: deliveries under consent stopped after ${tookMs} ms\n`);
    // Not before the bound (the copy was current until then), not much after it.
    expect(tookMs).toBeGreaterThanOrEqual(config.registryMaxStalenessMs - 2 * config.registryRefreshMs);
    expect(tookMs).toBeLessThanOrEqual(config.registryMaxStalenessMs + 5000);
    expect(await stale()).toBe(1);

    // Readable again: the next refresh makes the copy current, and delivery under consent resumes.
    await withDataSource(config.databaseUrl, (ds) =>
      ds.query(`ALTER TABLE registry_version_offline RENAME TO registry_version`),
    );
    await waitFor(async () => (await stale()) === 0 || undefined, { what: 'a current registry again' });
    await send([reading(SP_SENTINEL, 'after-recovery')]);
    await processed('after-recovery');
    expect(originIds('TP001')).toContain('after-recovery');
  });

  it('delivers under consent only with an agreement in force, once the registry lists agreements', async () => {
    await importRegistry(config, kafka, {
      parties: [{ id: 'TP002', role: 'third-party', name: 'Kakeibo Navi' }],
      enrollments: [],
      consents: [consent('C3', SP_AGREED, null), consent('C4', SP_AGREED, null, 'TP002')],
      agreements: [{ id: 'A1', thirdPartyId: 'TP001', from: '2026-01-01', to: '2027-12-31' }],
    });
    // The gateway picks the import up within its refresh interval: probe until TP001 receives.
    let delivered: string | undefined;
    for (let i = 0; delivered === undefined && i < 100; i++) {
      const id = `agreed-${i}`;
      await send([reading(SP_AGREED, id)]);
      await processed(id);
      if (originIds('TP001').includes(id)) delivered = id;
    }
    expect(delivered).toBeDefined();
    // TP002 holds a consent too, but no agreement: its outbox is empty. Its copy would have committed
    // in the same transaction as the retailer's, which `processed` saw, so the high watermark is final.
    const tp002 = await kafka.topicOffsets(kyodo.topics.outbox('TP002'));
    expect(tp002.map((o) => o.high)).toEqual(['0']);
    // The audit says what TP001's delivery rested on.
    await waitFor(
      () =>
        audit.records
          .map((r) => JSON.parse(r.value!.toString('utf8')) as JsonObject)
          .find((a) => a.recipientId === 'TP001' && a.inboundId === delivered),
      { what: "the audit record of TP001's delivery" },
    ).then((record) => expect(record.basis).toEqual(['consent:C3', 'agreement:A1']));
  });
});
