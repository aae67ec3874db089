import { AREA_CODES, AREAS, EVENT_TYPES, parseInbound, type InboundEvent } from '@kyodo/contracts';
import {
  DEFAULT_PARTIES,
  deepMerge,
  factory,
  inboundRecord,
  supplyPointId,
  toRecordValue,
} from '@kyodo/contracts/testing';

function data(event: InboundEvent): Record<string, unknown> {
  return event.data;
}

describe('supplyPointId', () => {
  it.each<[string, number, string]>([
    ['03', 1, '0300000000000000000001'],
    ['10', 12345, '1000000000000000012345'],
    ['01', 0, '0100000000000000000000'],
    ['11', 1, '1100000000000000000001'], // deliberately invalid areas are allowed, for tests
  ])('(%s, %d) → %s', (area, n, expected) => {
    expect(supplyPointId(area, n)).toBe(expected);
  });

  it.each<[string, number]>([
    ['3', 1],
    ['x3', 1],
    ['03', -1],
    ['03', 1.5],
  ])('refuses (%s, %d)', (area, n) => {
    expect(() => supplyPointId(area, n)).toThrow(RangeError);
  });
});

describe.each<[string, (seed?: number) => InboundEvent, string, string]>([
  ['contractSwitch', (seed) => factory.contractSwitch({ seed }), EVENT_TYPES['contract-switch'], 'R0002'],
  ['meterReading', (seed) => factory.meterReading({ seed }), EVENT_TYPES['meter-reading'], 'TD03'],
  ['negawatt', (seed) => factory.negawatt({ seed }), EVENT_TYPES.negawatt, 'DR001'],
])('factory.%s', (_name, make, type, sender) => {
  it('makes a valid event of its type, sent by its usual sender', () => {
    const event = make();
    expect(event.type).toBe(type);
    expect(event.source).toBe(`urn:kyodo:party:${sender}`);
    expect(parseInbound(inboundRecord(event)).ok).toBe(true);
  });

  it('is deterministic for a seed and varies between seeds', () => {
    expect(make(42)).toEqual(make(42));
    expect(make(42)).not.toEqual(make(43));
  });

  it('gives each call its own id and supply point', () => {
    const ids = new Set(Array.from({ length: 20 }, () => make()).map((e) => `${e.id} ${e.subject}`));
    expect(ids.size).toBe(20);
  });
});

describe('factory.contractSwitch', () => {
  it('fills in realistic synthetic personal data for the area', () => {
    for (const area of AREA_CODES) {
      const event = factory.contractSwitch({ area, seed: 5 });
      const customer = data(event).customer as Record<string, string>;
      expect(customer.name).toMatch(/^\S+ \S+$/);
      expect(customer.address.startsWith(AREA_PREFECTURES[area])).toBe(true);
      expect(customer.phone).toMatch(/^0\d{1,3}-\d{3,4}-\d{4}$/);
      expect(customer.contractNumber).toMatch(/^R0001-\d{10}$/);
      expect(data(event).supplyPoint).toMatchObject({ area, supplyPointId: event.subject });
      expect(event.subject.slice(0, 2)).toBe(area);
    }
  });

  it('applies overrides', () => {
    const event = factory.contractSwitch({
      phase: 'completed',
      fromRetailerId: 'R0003',
      toRetailerId: 'R0001',
      remoteIsland: true,
      customer: { name: '試験 太郎' },
      supplyPoint: { decommissioningMethod: '撤去' },
    });
    expect(event.source).toBe('urn:kyodo:party:R0001');
    expect(data(event)).toMatchObject({
      phase: 'completed',
      fromRetailerId: 'R0003',
      toRetailerId: 'R0001',
      customer: { name: '試験 太郎' },
      supplyPoint: { remoteIsland: true, decommissioningMethod: '撤去' },
    });
  });
});

describe('factory.meterReading', () => {
  it('makes a day of 48 half-hour intervals of about 3 KB', () => {
    const event = factory.meterReading({ area: '03', retailerId: 'R0002', seed: 1 });
    const reading = data(event) as {
      intervals: { start: string; kwh: number }[];
      totalKwh: number;
      retailerId: string;
    };
    expect(reading.retailerId).toBe('R0002');
    expect(reading.intervals).toHaveLength(48);
    expect(reading.intervals[0].start).toBe('2026-11-26T00:00:00+09:00');
    expect(reading.intervals[1].start).toBe('2026-11-26T00:30:00+09:00');
    expect(reading.intervals[47].start).toBe('2026-11-26T23:30:00+09:00');
    const sum = reading.intervals.reduce((total, interval) => total + interval.kwh, 0);
    expect(reading.totalKwh).toBeCloseTo(sum, 6);
    expect(reading.intervals.every((interval) => interval.kwh > 0)).toBe(true);
    const bytes = toRecordValue(event).length;
    expect(bytes).toBeGreaterThan(2500);
    expect(bytes).toBeLessThan(3500);
  });

  it('takes an interval count, the intervals themselves, or an area', () => {
    expect((data(factory.meterReading({ intervals: 51 })).intervals as unknown[]).length).toBe(51);
    const intervals = [{ start: '2026-11-26T00:00:00Z', kwh: 1.5 }];
    expect(data(factory.meterReading({ intervals }))).toMatchObject({ intervals, totalKwh: 1.5 });
    const kansai = factory.meterReading({ area: '06' });
    expect(kansai.subject.startsWith('06')).toBe(true);
    expect(kansai.source).toBe('urn:kyodo:party:TD06');
  });

  it('deep-merges a data patch, where undefined removes a member', () => {
    const event = factory.meterReading({ data: { customer: { note: 'x' }, meterId: undefined } });
    expect(data(event)).not.toHaveProperty('meterId');
    expect(data(event).customer).toEqual({ contractNumber: expect.any(String) as unknown, note: 'x' });
  });
});

describe('factory.negawatt', () => {
  it('names the contractor, the retailer and the four negawatt items', () => {
    const event = factory.negawatt({ contractorId: 'DR002', retailerId: 'R0003' });
    expect(event.source).toBe('urn:kyodo:party:DR002');
    expect(data(event)).toMatchObject({ contractorId: 'DR002', retailerId: 'R0003' });
    expect(Object.keys(data(event).negawatt as object)).toEqual([
      'baseline',
      'demandControl',
      'supplyDemand',
      'generationSales',
    ]);
  });
});

describe('records', () => {
  it('toRecordValue is the UTF-8 JSON of the event', () => {
    const event = factory.contractSwitch();
    expect(JSON.parse(toRecordValue(event).toString('utf8'))).toEqual(event);
  });

  it('inboundRecord keys by subject on the sender inbox', () => {
    const event = factory.negawatt();
    const record = inboundRecord(event);
    expect(record.key?.toString()).toBe(event.subject);
    expect(record.topic).toBe('kyodo.in.DR001');
    expect(record.senderId).toBe('DR001');
    expect(inboundRecord(event, { key: null, senderId: 'DR002' })).toMatchObject({
      key: null,
      senderId: 'DR002',
      topic: 'kyodo.in.DR002',
    });
  });
});

describe('deepMerge', () => {
  it('merges objects, replaces arrays and scalars, removes on undefined, and copies', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x', e: 1 };
    const merged = deepMerge(base, { a: { c: [3], f: null }, d: undefined, g: { h: 1 } });
    expect(merged).toEqual({ a: { b: 1, c: [3], f: null }, e: 1, g: { h: 1 } });
    expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x', e: 1 });
  });
});

describe('factory.registry', () => {
  it('registers a tdso for every area and the parties the factories use', () => {
    const registry = factory.registry();
    for (const area of AREA_CODES) expect(registry.tdsoFor(area)?.id).toBe(`TD${area}`);
    expect(registry.occto?.id).toBe('OCCTO');
    for (const id of ['R0001', 'R0002', 'DR001', 'TP001']) expect(registry.party(id)).toBeDefined();
    expect(DEFAULT_PARTIES.length).toBe(registry.parties.size);
  });

  it('adds and replaces parties by id', () => {
    const registry = factory.registry({
      parties: [
        { id: 'R0001', role: 'aggregator', name: 'Renamed' },
        { id: 'R0100', role: 'retailer', name: 'New' },
      ],
    });
    expect(registry.party('R0001')?.role).toBe('aggregator');
    expect(registry.party('R0100')?.role).toBe('retailer');
  });
});

const AREA_PREFECTURES: Record<keyof typeof AREAS, string> = {
  '01': '北海道',
  '02': '宮城県',
  '03': '東京都',
  '04': '愛知県',
  '05': '富山県',
  '06': '大阪府',
  '07': '広島県',
  '08': '香川県',
  '09': '福岡県',
  '10': '沖縄県',
};
