import {
  evaluateTargets,
  formatTable,
  percentile,
  renderSvg,
  summarizeLatency,
  type RowResult,
} from './report';
import { makeWorkload, parseMix } from './workload';

const row = (over: Partial<RowResult> & Pick<RowResult, 'name' | 'kind'>): RowResult => ({
  events: 20_000,
  seconds: 1,
  eventsPerSecond: 1000,
  ...over,
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(500);
    expect(percentile(sorted, 99)).toBe(990);
    expect(percentile(sorted, 99.9)).toBe(999);
    expect(percentile(sorted, 100)).toBe(1000);
    expect(percentile([7], 99.9)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises unsorted samples', () => {
    const summary = summarizeLatency([30, 10, 20, 40], 500, 1);
    expect(summary).toMatchObject({ rate: 500, samples: 4, missing: 1, p50: 20, p99: 40, max: 40 });
  });
});

describe('targets', () => {
  const rows: RowResult[] = [
    row({
      name: 'kyodo (platformatic)',
      kind: 'kyodo',
      adapter: 'platformatic',
      eventsPerSecond: 12_000,
      rssMiB: 200,
      peakRssMiB: 230,
      latency: { rate: 6000, samples: 60_000, missing: 0, p50: 20, p99: 120, p999: 180, max: 200 },
    }),
    row({
      name: 'passthrough (platformatic)',
      kind: 'passthrough',
      adapter: 'platformatic',
      eventsPerSecond: 14_000,
    }),
    row({ name: 'kyodo (kafkajs)', kind: 'kyodo', adapter: 'kafkajs', eventsPerSecond: 5000 }),
    row({ name: 'passthrough (kafkajs)', kind: 'passthrough', adapter: 'kafkajs', eventsPerSecond: 10_000 }),
    row({ name: 'naive Nest microservice', kind: 'naive', eventsPerSecond: 3000 }),
    row({ name: 'Kafka Streams', kind: 'streams', error: 'boom' }),
  ];

  it('states each target met, missed or not measured, with its number', () => {
    const targets = Object.fromEntries(evaluateTargets(rows, 1).map((t) => [t.name, t]));
    expect(targets['kyodo vs passthrough on platformatic']).toMatchObject({ measured: '0.86×', met: true });
    expect(targets['kyodo vs passthrough on kafkajs']).toMatchObject({ measured: '0.50×', met: false });
    expect(targets['kyodo vs Kafka Streams'].met).toBeUndefined();
    expect(targets['kyodo vs naive Nest microservice']).toMatchObject({ measured: '4.00×', met: false });
    expect(targets['meter-reading events/s end to end'].met).toBe(true);
    expect(targets['p99 latency at half of peak']).toMatchObject({ met: false });
    expect(targets['gateway RSS steady']).toMatchObject({ measured: '200 MiB (peak 230)', met: true });
  });

  it('says when the input was not all meter readings', () => {
    const target = evaluateTargets(rows, 0.8).find((t) => t.name === 'meter-reading events/s end to end')!;
    expect(target.measured).toContain('80% meter readings');
  });

  it('prints one line per row with the ratio of Kyodo on the same adapter', () => {
    const table = formatTable(rows).split('\n');
    expect(table).toHaveLength(2 + rows.length);
    expect(table.find((l) => l.startsWith('| passthrough (kafkajs)'))).toMatch(/0\.50× \|$/);
    expect(table.find((l) => l.startsWith('| naive'))).toMatch(/4\.00× \|$/);
    expect(table.find((l) => l.startsWith('| Kafka Streams'))).toContain('failed: boom');
  });

  it('draws a bar per row and a latency bar for the rows that measured it', () => {
    const svg = renderSvg(rows, 'a <run>');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('a &lt;run&gt;');
    expect(svg.match(/<rect x="220"/g)).toHaveLength(5 + 3);
    expect(svg).toContain('20.0 · 120.0 · 180.0');
  });
});

describe('workload', () => {
  it('parses a mix in either form', () => {
    expect(parseMix('80/15/5')).toEqual({ 'meter-reading': 0.8, 'contract-switch': 0.15, negawatt: 0.05 });
    expect(parseMix('negawatt=1,meter-reading=3')).toEqual({
      'meter-reading': 0.75,
      'contract-switch': 0,
      negawatt: 0.25,
    });
    expect(() => parseMix('1/2')).toThrow(/three numbers/);
    expect(() => parseMix('0/0/0')).toThrow(/positive sum/);
  });

  it('gives every record an id of its own, in the proportions asked', () => {
    const workload = makeWorkload(2000, parseMix('50/25/25'));
    const ids = workload.records.map((r) => (JSON.parse(r.value) as { id: string }).id);
    expect(new Set(ids).size).toBe(2000);
    expect(workload.counts['meter-reading']).toBeGreaterThan(900);
    expect(workload.counts['meter-reading']).toBeLessThan(1100);
    expect(workload.senders).toEqual(['DR001', 'R0002', 'TD03']);
    expect(workload.variant(3, 'L3').value).toContain('-L3"');
  });
});
