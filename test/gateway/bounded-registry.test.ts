import fc from 'fast-check';
import {
  RegistrySnapshot,
  topicsFor,
  type Agreement,
  type Consent,
  type ConsentCategory,
  type Enrollment,
  type InboundEvent,
} from '@kyodo/contracts';
import { DEFAULT_PARTIES, factory, toRecordValue } from '@kyodo/contracts/testing';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { createDataSource, RegistryRepository } from '@kyodo/persistence';
import { Router, type InboundRecord, type OutputRecord, type RouteStats } from '@kyodo/routing';
import type { DataSource } from 'typeorm';
import { BoundedRegistry } from '../../apps/gateway/src/bounded-registry';
import { createTestDatabase } from '../support/harness';

// Routing with the gateway's bounded registry (parties whole, supply points looked up per batch
// through a cache far smaller than the registry, kept current by the change log) gives exactly what
// routing with the whole registry in memory gives: generated registries on the real PostgreSQL,
// generated events, a generated change applied as a delta in between.

const topics = topicsFor('kyodo');
const policy = compilePolicy(loadPolicy());
const clock = () => new Date('2026-11-27T06:00:00.000Z');
const HMAC_KEY = 'bounded-registry-test-key';

const SUPPLY_POINTS = [
  '0300000000000000000001',
  '0300000000000000000002',
  '0300000000000000000003',
  '0300000000000000000004',
  '0600000000000000000001',
  '0600000000000000000002',
  '0600000000000000000003',
];
const DATES = ['2025-06-01', '2026-01-01', '2026-06-30', '2026-11-26', '2026-12-31', '2027-12-31'];
const INSTANTS = ['2026-03-01T00:00:00.000Z', '2026-11-26T12:00:00.000Z', '2026-11-28T00:00:00.000Z'];

const period = fc
  .tuple(fc.constantFrom(...DATES), fc.constantFrom(...DATES))
  .map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }));
const categories = fc
  .subarray(['meter-reading', 'negawatt'] as ConsentCategory[], { minLength: 1 })
  .map((c) => [...c]);
interface ConsentBody {
  readonly thirdPartyId: string;
  readonly supplyPointId: string;
  readonly categories: ConsentCategory[];
  readonly period: { from: string; to: string };
  readonly revokedAt: string | null;
}
const consentBody: fc.Arbitrary<ConsentBody> = fc.record({
  thirdPartyId: fc.constantFrom('TP001', 'TP002'),
  supplyPointId: fc.constantFrom(...SUPPLY_POINTS),
  categories,
  period,
  revokedAt: fc.option(fc.constantFrom(...INSTANTS), { nil: null }),
});
const toConsent = (id: string, c: ConsentBody): Consent => ({
  id,
  thirdPartyId: c.thirdPartyId,
  supplyPointId: c.supplyPointId,
  categories: c.categories,
  from: c.period.from,
  to: c.period.to,
  revokedAt: c.revokedAt,
});
const enrollment = fc
  .record({
    aggregatorId: fc.constantFrom('DR001', 'DR002'),
    supplyPointId: fc.constantFrom(...SUPPLY_POINTS),
    from: fc.constantFrom(...DATES.slice(0, 4)),
    to: fc.constantFrom(...DATES.slice(3)),
  })
  .map((e): Enrollment => e);
const uniqueEnrollments = fc.uniqueArray(enrollment, {
  maxLength: 8,
  selector: (e) => `${e.aggregatorId} ${e.supplyPointId} ${e.from}`,
});
const agreements: fc.Arbitrary<Agreement[] | undefined> = fc.option(
  fc.uniqueArray(
    fc.record({ thirdPartyId: fc.constantFrom('TP001', 'TP002'), period }).map((a): Agreement => ({
      id: `A-${a.thirdPartyId}-${a.period.from}-${a.period.to}`,
      thirdPartyId: a.thirdPartyId,
      ...a.period,
    })),
    { maxLength: 2, selector: (a) => a.id },
  ),
  { nil: undefined },
);

/** An event of one of the three kinds for a supply point, from a sender that may send it. */
const event = fc
  .record({
    kind: fc.constantFrom('meter-reading', 'negawatt', 'contract-switch'),
    supplyPointId: fc.constantFrom(...SUPPLY_POINTS),
    aggregator: fc.constantFrom('DR001', 'DR002'),
    date: fc.constantFrom('2026-01-15', '2026-07-01', '2026-11-26'),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map(({ kind, supplyPointId, aggregator, date, seed }): InboundEvent => {
    const area = supplyPointId.slice(0, 2) as '03' | '06';
    if (kind === 'meter-reading') {
      return factory.meterReading({ seed, area, supplyPointId, readingDate: date, intervals: 2 });
    }
    if (kind === 'negawatt') {
      return factory.negawatt({ seed, area, supplyPointId, contractorId: aggregator, date });
    }
    return factory.contractSwitch({ seed, area, supplyPointId, effectiveDate: '2026-12-01' });
  });

/** A registry, a change to it, and two runs of events (before and after the change). */
const scenario = fc.record({
  consents: fc.array(consentBody, { maxLength: 10 }),
  enrollments: uniqueEnrollments,
  agreements,
  changedConsents: fc.array(fc.tuple(fc.nat(), consentBody), { maxLength: 4 }),
  newConsents: fc.array(consentBody, { maxLength: 3 }),
  newEnrollments: uniqueEnrollments,
  before: fc.array(event, { minLength: 1, maxLength: 12 }),
  after: fc.array(event, { minLength: 1, maxLength: 12 }),
  batch: fc.integer({ min: 1, max: 5 }),
  cache: fc.integer({ min: 1, max: 4 }),
});

function records(events: readonly InboundEvent[], offset: number): InboundRecord[] {
  return events.map((e, i) => ({
    topic: topics.inbox(e.source.slice('urn:kyodo:party:'.length)),
    partition: 0,
    offset: String(offset + i),
    key: Buffer.from(e.subject),
    value: toRecordValue(e),
  }));
}

function route(batches: readonly InboundRecord[][], registries: readonly RegistrySnapshot[]) {
  const router = new Router({ policy, topics, hmacKey: HMAC_KEY, clock });
  const out: OutputRecord[] = [];
  const stats: RouteStats[] = [];
  batches.forEach((batch, i) => stats.push(router.routeBatch(batch, registries[i], out)));
  return { out, stats };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

describe('the bounded registry routes as the whole registry does (real PostgreSQL, property)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let repository: RegistryRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
    repository = new RegistryRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('gives the same outbound events, audit records, dead letters and tallies, before and after a delta', async () => {
    let thirdPartyDeliveries = 0;
    let delivered = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        await ds.query(`TRUNCATE registry_change, consent, enrollment, agreement, party CASCADE`);
        await ds.query(`UPDATE registry_version SET agreements_listed = false`);
        const consents = s.consents.map((c, i) => toConsent(`C${i}`, c));
        await repository.importRegistry({
          parties: DEFAULT_PARTIES,
          enrollments: s.enrollments,
          consents,
          ...(s.agreements === undefined ? {} : { agreements: s.agreements }),
        });
        const bounded = new BoundedRegistry(repository, s.cache);
        expect((await bounded.catchUp()).kind).toBe('reloaded');

        const check = async (events: readonly InboundEvent[], offset: number) => {
          const batches = chunk(records(events, offset), s.batch);
          const whole = new RegistrySnapshot((await repository.loadSnapshot()).data);
          const views: RegistrySnapshot[] = [];
          for (const batch of batches) views.push(await bounded.forBatch(batch));
          const expected = route(
            batches,
            batches.map(() => whole),
          );
          const actual = route(batches, views);
          expect(actual.out).toEqual(expected.out);
          expect(actual.stats).toEqual(expected.stats);
          for (const stats of expected.stats) {
            thirdPartyDeliveries += stats.deliveriesByRole['third-party'] ?? 0;
            delivered += stats.deliveries;
          }
        };
        await check(s.before, 0);

        // The change: some consents rewritten (revoked, moved, narrowed), new ones, new enrollments.
        const changed = s.changedConsents.flatMap(([n, body]) =>
          consents.length === 0 ? [] : [toConsent(consents[n % consents.length].id, body)],
        );
        const unique = [...new Map(changed.map((c) => [c.id, c])).values()];
        const fresh = s.newConsents.map((c, i) => toConsent(`N${i}`, c));
        const newEnrollments = s.newEnrollments.filter(
          (e) =>
            !s.enrollments.some(
              (o) =>
                o.aggregatorId === e.aggregatorId && o.supplyPointId === e.supplyPointId && o.from === e.from,
            ),
        );
        await repository.importRegistry({
          parties: [],
          enrollments: newEnrollments,
          consents: [...unique, ...fresh],
        });
        const caughtUp = await bounded.catchUp();
        expect(caughtUp.kind).toBe('applied');
        await check(s.after, 1000);
      }),
      { numRuns: 30 },
    );
    // The generated cases do exercise deliveries, under consent too.
    expect(delivered).toBeGreaterThan(0);
    expect(thirdPartyDeliveries).toBeGreaterThan(0);
  });

  it('refuses to answer for a supply point the batch did not name (a fault, not an empty list)', async () => {
    const bounded = new BoundedRegistry(repository, 10);
    await bounded.catchUp();
    const view = await bounded.forBatch([{ key: Buffer.from(SUPPLY_POINTS[0]) }]);
    expect(view.consentsFor(SUPPLY_POINTS[0])).toBeDefined();
    expect(() => view.consentsFor(SUPPLY_POINTS[1])).toThrow(
      'a supply point outside the batch was looked up',
    );
  });
});
