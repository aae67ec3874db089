import type { Consent, InboundEvent, JsonObject, RegistryData } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import type { KyodoMetrics } from '@kyodo/observability';
import { METRICS } from '@kyodo/platform';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import {
  collect,
  createTestDatabase,
  readTopic,
  testConfig,
  testKafka,
  waitFor,
  type CollectedRecord,
} from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';

// A registry change reaches a running gateway as a delta: the change log names what changed, the
// gateway drops only that from its cache and routes with it, and never reloads the registry. On the
// real broker and database; every topic has one partition, so a sentinel that reaches a party proves
// everything sent before it was processed.

const SP_HELD = '0300000000000000000001'; // consent C1 for TP001 from the start
const SP_CHANGED = '0300000000000000000002'; // consent C2 for TP001 imported while the gateway runs
const SP_NEW_PARTY = '0300000000000000000003'; // consent C3 for TP002, a party imported while it runs

const consent = (id: string, supplyPointId: string, thirdPartyId = 'TP001'): Consent => ({
  id,
  thirdPartyId,
  supplyPointId,
  categories: ['meter-reading'],
  from: '2026-01-01',
  to: '2027-12-31',
  revokedAt: null,
});

const REGISTRY: RegistryData = {
  parties: [
    { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
    { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
  ],
  enrollments: [],
  // Three more supply points with consents than the gateway may hold (KYODO_REGISTRY_CACHE_SUPPLY_POINTS
  // 2 below): it looks supply points up as batches need them rather than holding the registry whole.
  consents: [
    consent('C1', SP_HELD),
    consent('C91', '0300000000000000000091'),
    consent('C92', '0300000000000000000092'),
    consent('C93', '0300000000000000000093'),
  ],
};

let seed = 500;
function reading(supplyPointId: string, id: string): InboundEvent {
  seed += 1;
  return factory.meterReading({
    seed,
    area: '03',
    supplyPointId,
    retailerId: 'R0001',
    readingDate: '2026-11-01',
    id,
    sender: 'TD03',
  });
}

describe('registry deltas reach a running gateway (real Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  let config: KyodoConfig;
  let db: { url: string; drop: () => Promise<void> };
  let kyodo: Awaited<ReturnType<typeof startKyodo>>;
  let outboxes: { records: CollectedRecord[]; stop: () => Promise<void> };
  let metrics: KyodoMetrics;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({
      databaseUrl: db.url,
      partitionsPerTopic: 1,
      registryRefreshMs: 200,
      registryCacheSupplyPoints: 2,
    });
    await importRegistry(config, kafka, REGISTRY);
    kyodo = await startKyodo(config, [GatewayModule]);
    metrics = kyodo.app.get<KyodoMetrics>(METRICS);
    outboxes = await collect(kafka, [kyodo.topics.outbox('TP001'), kyodo.topics.outbox('R0001')]);
  });

  afterAll(async () => {
    await outboxes?.stop();
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

  /** Barrier: the retailer has `id`, and TP001's outbox is read up to its high watermark. */
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

  const counter = async (
    c: { get(): Promise<{ values: { value: number; labels: object }[] }> },
    labels = {},
  ) =>
    (await c.get()).values
      .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))
      .reduce((sum, v) => sum + v.value, 0);
  const reloads = () => counter(metrics.registryReloads);
  const fromDatabase = () => counter(metrics.registrySupplyPointLookups, { from: 'database' });
  const supplyPointChanges = () => counter(metrics.registryChangesApplied, { kind: 'supply-point' });

  it('applies an imported consent as a change of one supply point, keeping the rest of its cache', async () => {
    await send([reading(SP_HELD, 'held-1'), reading(SP_CHANGED, 'changed-1')]);
    await processed('changed-1');
    expect(originIds('TP001')).toEqual(['held-1']);
    expect(await reloads()).toBe(1); // the start
    const lookedUp = await fromDatabase();
    expect(lookedUp).toBe(2);

    await importRegistry(config, kafka, {
      parties: [],
      enrollments: [],
      consents: [consent('C2', SP_CHANGED)],
    });
    await waitFor(async () => (await supplyPointChanges()) === 1 || undefined, {
      what: 'the change applied by the gateway',
    });

    await send([reading(SP_HELD, 'held-2'), reading(SP_CHANGED, 'changed-2')]);
    await processed('changed-2');
    expect(originIds('TP001')).toEqual(['held-1', 'held-2', 'changed-2']);
    // The held supply point came from the cache; only the changed one was read again.
    expect(await fromDatabase()).toBe(lookedUp + 1);
    expect(await reloads()).toBe(1);
  });

  it('applies a new party and its consent without a reload, and delivers to it', async () => {
    const changesBefore = await supplyPointChanges();
    await importRegistry(config, kafka, {
      parties: [{ id: 'TP002', role: 'third-party', name: 'Kakeibo Navi' }],
      enrollments: [],
      consents: [consent('C3', SP_NEW_PARTY, 'TP002')],
    });
    await waitFor(async () => (await supplyPointChanges()) === changesBefore + 1 || undefined, {
      what: 'the change applied by the gateway',
    });
    await send([reading(SP_NEW_PARTY, 'new-party-1')]);
    await processed('new-party-1');
    // TP002's copy committed in the transaction that gave R0001 its copy: its high watermark is final.
    const tp002 = await readTopic(kafka, kyodo.topics.outbox('TP002'));
    expect(tp002.map((r) => (JSON.parse(r.value!.toString('utf8')) as JsonObject).kyodooriginid)).toEqual([
      'new-party-1',
    ]);
    expect(await counter(metrics.registryChangesApplied, { kind: 'party' })).toBe(1);
    expect(await reloads()).toBe(1);
  });
});
