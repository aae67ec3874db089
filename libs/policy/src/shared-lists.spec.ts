import { factory } from '@kyodo/contracts/testing';
import { compilePolicy, evaluate, loadPolicy } from './index';

const policy = compilePolicy(loadPolicy());
const registry = factory.registry({
  enrollments: [
    { aggregatorId: 'DR001', supplyPointId: '0300000000000000000001', from: '2026-01-01', to: '2026-12-31' },
  ],
  consents: [
    {
      id: 'C1',
      thirdPartyId: 'TP001',
      supplyPointId: '0300000000000000000001',
      categories: ['meter-reading'],
      from: '2026-01-01',
      to: '2026-12-31',
      revokedAt: null,
    },
  ],
});

describe('lists every recipient may see whole', () => {
  const reading = factory.meterReading({
    seed: 5,
    area: '03',
    supplyPointId: '0300000000000000000001',
    retailerId: 'R0001',
    sender: 'TD03',
  });

  it('are handed to all recipients as one list, equal to the input, with the same trail as a built one', () => {
    const { deliveries } = evaluate(policy, reading, 'meter-reading', registry, { sender: 'TD03' });
    expect(deliveries.map((d) => d.recipient.id)).toEqual(['DR001', 'R0001', 'TP001']);
    const lists = deliveries.map((d) => d.data.intervals);
    expect(lists[0]).toBe(lists[1]);
    expect(lists[1]).toBe(lists[2]);
    expect(lists[0]).toEqual(reading.data.intervals);
    for (const d of deliveries)
      expect(d.fieldsDelivered).toEqual(expect.arrayContaining(['intervals[].kwh', 'intervals[].start']));
  });

  it('are built afresh, without the extra key, when one element holds a field the catalogue does not name', () => {
    const intervals = (reading.data.intervals as object[]).map((e, i) =>
      i === 3 ? { ...e, appliance: 'ev' } : e,
    );
    const dirty = { ...reading, data: { ...reading.data, intervals } };
    const { deliveries } = evaluate(policy, dirty, 'meter-reading', registry, { sender: 'TD03' });
    for (const d of deliveries) {
      expect(d.data.intervals).not.toBe(intervals);
      expect(JSON.stringify(d.data.intervals)).not.toContain('appliance');
      expect(d.fieldsWithheld).toContain('intervals[].(unknown)');
    }
  });

  it('are built afresh when an element holds an object where a scalar belongs', () => {
    const intervals = (reading.data.intervals as object[]).map((e, i) =>
      i === 0 ? { ...e, kwh: { value: 1 } } : e,
    );
    const odd = { ...reading, data: { ...reading.data, intervals } };
    const { deliveries } = evaluate(policy, odd, 'meter-reading', registry, { sender: 'TD03' });
    for (const d of deliveries) {
      expect(d.data.intervals).not.toBe(intervals);
      expect((d.data.intervals as { kwh?: unknown }[])[0].kwh).toBeUndefined();
    }
  });
});
