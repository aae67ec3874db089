import type { Consent, Enrollment } from '@kyodo/contracts';
import { SupplyPointCache, type SupplyPointLoader } from './supply-point-cache';

const sp = (n: number) => `03${String(n).padStart(20, '0')}`;
const enrollment = (n: number): Enrollment => ({
  aggregatorId: 'DR001',
  supplyPointId: sp(n),
  from: '2026-01-01',
  to: '2027-12-31',
});
const consent = (n: number): Consent => ({
  id: `C${n}`,
  thirdPartyId: 'TP001',
  supplyPointId: sp(n),
  categories: ['meter-reading'],
  from: '2026-01-01',
  to: '2027-12-31',
  revokedAt: null,
});

/** A loader over an in-memory table that records what it was asked. */
function table(enrollments: Enrollment[], consents: Consent[]) {
  const asked: string[][] = [];
  const load: SupplyPointLoader = (ids) => {
    asked.push([...ids]);
    const wanted = new Set(ids);
    return Promise.resolve({
      enrollments: enrollments.filter((e) => wanted.has(e.supplyPointId)),
      consents: consents.filter((c) => wanted.has(c.supplyPointId)),
    });
  };
  return { asked, load };
}

describe('SupplyPointCache', () => {
  it('looks up what it does not hold, once, and answers none for a supply point without rows', async () => {
    const { asked, load } = table([enrollment(1)], [consent(2)]);
    const cache = new SupplyPointCache(10, load);
    const rows = await cache.rows([sp(1), sp(2), sp(3), sp(1)]);
    expect(rows.enrollmentsFor(sp(1))).toEqual([enrollment(1)]);
    expect(rows.consentsFor(sp(2))).toEqual([consent(2)]);
    expect(rows.consentsFor(sp(3))).toEqual([]);
    await cache.rows([sp(1), sp(3)]);
    expect(asked).toEqual([[sp(1), sp(2), sp(3)]]);
    expect(() => rows.consentsFor(sp(4))).toThrow('outside the batch');
  });

  it('when filled with everything that fits, answers every lookup without the database', async () => {
    const { asked, load } = table([enrollment(1)], [consent(2)]);
    const cache = new SupplyPointCache(2, load);
    cache.fill({ enrollments: [enrollment(1)], consents: [consent(2)] });
    expect(cache.complete).toBe(true);
    const rows = await cache.rows([sp(1), sp(2), sp(3), sp(4), sp(5)]);
    expect(rows.enrollmentsFor(sp(1))).toEqual([enrollment(1)]);
    expect(rows.consentsFor(sp(2))).toEqual([consent(2)]);
    expect(rows.consentsFor(sp(5))).toEqual([]);
    expect(asked).toEqual([]);
    expect(cache.size).toBe(2);
  });

  it('stays complete through a change that fits, and stops being complete when one overflows', async () => {
    const enrollments = [enrollment(1)];
    const consents = [consent(2)];
    const { asked, load } = table(enrollments, consents);
    const cache = new SupplyPointCache(2, load);
    cache.fill({ enrollments, consents });

    consents.splice(0, 1); // consent 2 withdrawn from the table
    await cache.refresh([sp(2)]);
    expect(cache.complete).toBe(true);
    expect((await cache.rows([sp(2)])).consentsFor(sp(2))).toEqual([]);

    consents.push(consent(3), consent(4)); // two new supply points: three in all, over max
    await cache.refresh([sp(3), sp(4)]);
    expect(cache.complete).toBe(false);
    asked.length = 0;
    const rows = await cache.rows([sp(3), sp(4)]);
    expect(rows.consentsFor(sp(3))).toEqual([consent(3)]);
    expect(asked).toEqual([[sp(3), sp(4)]]);
  });

  it('is not complete when filled with more than it may hold, or after a clear', () => {
    const { load } = table([], []);
    const cache = new SupplyPointCache(1, load);
    cache.fill({ enrollments: [enrollment(1), enrollment(2)], consents: [] });
    expect(cache.complete).toBe(false);
    expect(cache.size).toBe(0);
    cache.fill({ enrollments: [enrollment(1)], consents: [] });
    expect(cache.complete).toBe(true);
    cache.clear();
    expect(cache.complete).toBe(false);
  });
});
