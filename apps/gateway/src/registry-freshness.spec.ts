import { RegistryFreshness, type FreshnessChange } from './registry-freshness';

describe('RegistryFreshness', () => {
  let now = 0;
  const clock = () => new Date(now);

  it('is stale until first confirmed, current within the bound, stale past it, current again once confirmed', () => {
    const changes: FreshnessChange[] = [];
    const freshness = new RegistryFreshness(1000, clock, (c) => changes.push(c));
    now = 10_000;
    expect(freshness.isCurrent()).toBe(false);
    freshness.confirmed(10_000);
    expect(freshness.isCurrent()).toBe(true);
    now = 11_000; // exactly the bound
    expect(freshness.isCurrent()).toBe(true);
    now = 11_001;
    expect(freshness.isCurrent()).toBe(false);
    expect(freshness.isCurrent()).toBe(false);
    freshness.confirmed(10_500); // a refresh that began at 10.5 s: 501 ms old now
    expect(freshness.isCurrent()).toBe(true);
    expect(changes).toEqual([
      { stale: true, ageMs: Infinity },
      { stale: false, ageMs: 0 },
      { stale: true, ageMs: 1001 },
      { stale: false, ageMs: 501 },
    ]);
  });

  it('never moves its confirmation back in time (an older refresh finishing late)', () => {
    const freshness = new RegistryFreshness(1000, clock);
    now = 5000;
    freshness.confirmed(5000);
    freshness.confirmed(3000);
    now = 5900;
    expect(freshness.isCurrent()).toBe(true);
    expect(freshness.ageMs()).toBe(900);
  });
});
