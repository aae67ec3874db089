import { AREA_CODES, RegistrySnapshot, topicsFor } from '@kyodo/contracts';
import { generateTraffic } from '@kyodo/contracts/testing';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { Router, type OutputRecord } from '@kyodo/routing';
import { parseRegistryFile } from '@kyodo/registry';
import { renderEvents, renderRegistry } from './generate.command';

describe('kyodo generate', () => {
  const options = { seed: 42, days: 3, supplyPointsPerArea: 3 };

  it('the same seed gives the same registry and events, byte for byte; another seed does not', () => {
    const a = generateTraffic(options);
    const b = generateTraffic(options);
    expect(renderRegistry(b.registry)).toBe(renderRegistry(a.registry));
    expect(renderEvents(b.events)).toBe(renderEvents(a.events));
    const c = generateTraffic({ ...options, seed: 43 });
    expect(renderEvents(c.events)).not.toBe(renderEvents(a.events));
  });

  it('covers all ten areas, every switch phase path, islands, last-resort supply, windows and 48 intervals', () => {
    const t = generateTraffic({ seed: 7, days: 4, supplyPointsPerArea: 6 });
    const tdsoAreas = t.registry.parties.filter((p) => p.role === 'tdso').map((p) => p.area);
    expect(tdsoAreas).toEqual([...AREA_CODES].sort());
    const areasWithEvents = new Set(t.events.map((e) => e.key.slice(0, 2)));
    expect([...areasWithEvents].sort()).toEqual([...AREA_CODES].sort());
    const switches = t.events
      .filter((e) => e.event.type === 'jp.kyodo.contract-switch.v1')
      .map((e) => e.event.data);
    expect(new Set(switches.map((d) => d.phase))).toEqual(
      new Set(['requested', 'accepted', 'completed', 'rejected', 'cancelled']),
    );
    expect(switches.some((d) => (d.supplyPoint as { remoteIsland: boolean }).remoteIsland)).toBe(true);
    expect(switches.some((d) => d.lastResortSupply === true)).toBe(true);
    const readings = t.events.filter((e) => e.event.type === 'jp.kyodo.meter-reading.v1');
    expect(readings).toHaveLength(10 * 6 * 4);
    for (const r of readings) expect(r.event.data.intervals).toHaveLength(48);
    // A daily load shape: the evening peak above the small hours.
    const kwh = (readings[0].event.data.intervals as { kwh: number }[]).map((i) => i.kwh);
    expect(Math.max(...kwh.slice(36, 42))).toBeGreaterThan(Math.max(...kwh.slice(4, 10)));
    const dispatches = t.events.filter((e) => e.event.type === 'jp.kyodo.negawatt.v1');
    expect(dispatches.length).toBeGreaterThan(0);
    for (const d of dispatches)
      expect((d.event.data.negawatt as { baseline: unknown[] }).baseline.length).toBeGreaterThan(0);
    expect(t.registry.enrollments.length).toBeGreaterThan(0);
    expect(t.registry.consents.some((c) => c.revokedAt !== null)).toBe(true);
    expect(t.registry.consents.some((c) => c.revokedAt === null)).toBe(true);
    // Japanese names and addresses in the customer block.
    const customer = switches[0].customer as { name: string; address: string; phone: string };
    expect(customer.name).toMatch(/^[\u4e00-\u9faf]+ [\u3040-\u30ff\u4e00-\u9faf]+$/u);
    expect(customer.address).toMatch(/[都道府県].+丁目\d+番\d+号/u);
    expect(customer.phone).toMatch(/^0\d{1,3}-\d{3,4}-\d{4}$/);
  });

  it('the registry file it writes imports cleanly, and the gateway accepts every event it generates', () => {
    const t = generateTraffic({ seed: 3, days: 2, supplyPointsPerArea: 5 });
    const parsed = parseRegistryFile(renderRegistry(t.registry), 'generated.yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const registry = new RegistrySnapshot(parsed.data);
    const topics = topicsFor('kyodo');
    const router = new Router({ policy: compilePolicy(loadPolicy()), topics, hmacKey: 'k' });
    const out: OutputRecord[] = [];
    const stats = router.routeBatch(
      t.events.map((e, i) => ({
        topic: topics.inbox(e.sender),
        partition: 0,
        offset: String(i),
        key: Buffer.from(e.key),
        value: Buffer.from(JSON.stringify(e.event)),
      })),
      registry,
      out,
    );
    expect(stats.rejections).toEqual({});
    expect(stats.accepted).toBe(t.events.length);
    expect(Object.keys(stats.deliveriesByRole).sort()).toEqual([
      'aggregator',
      'occto',
      'retailer',
      'tdso',
      'third-party',
    ]);
  });
});
