import { barChartSvg, monthWindow, monthlyReportCsv, type MonthlyReport } from './monthly-report';

describe('monthly report', () => {
  it.each([
    ['2026-11', '2026-10-31T15:00:00.000Z', '2026-11-30T15:00:00.000Z'],
    ['2026-12', '2026-11-30T15:00:00.000Z', '2026-12-31T15:00:00.000Z'],
    ['2027-01', '2026-12-31T15:00:00.000Z', '2027-01-31T15:00:00.000Z'],
  ])('takes %s as the month in Japan', (month, from, to) => {
    expect(monthWindow(month)).toEqual({ from, to });
  });

  it.each(['2026-13', '2026-1', '26-11', '2026-11-01'])('refuses %s', (month) => {
    expect(monthWindow(month)).toBeUndefined();
  });

  it('quotes CSV cells that need it', () => {
    const report: MonthlyReport = {
      month: '2026-11',
      from: '2026-10-31T15:00:00.000Z',
      to: '2026-11-30T15:00:00.000Z',
      generatedAt: '2026-12-01T00:00:00.000Z',
      figures: {
        outcomes: [{ outcome: 'delivered', count: 2 }],
        deliveries: [],
        withheld: [{ type: 't', role: 'retailer', path: 'a,"b"', count: 1 }],
        rejections: [],
        consents: [],
        notices: [],
        acknowledgements: 0,
      },
      chain: { ok: true, rows: 2, problem: null },
      runs: [],
    };
    expect(monthlyReportCsv(report).split('\n')).toEqual([
      'section,a,b,c,value',
      'audit-records,delivered,,,2',
      'fields-withheld,t,retailer,"a,""b""",1',
      'acknowledgements-received,,,,0',
      'chain-verification,intact,,,2',
      '',
    ]);
  });

  it('draws one bar per label, escaped, scaled to the largest', () => {
    const svg = barChartSvg('Per <purpose>', [
      { label: 'td-operations', value: 10 },
      { label: 'a&b', value: 5 },
    ]);
    expect(svg).toContain('Per &#60;purpose&#62;');
    expect(svg).toContain('a&#38;b');
    const widths = [...svg.matchAll(/<rect [^>]*width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]).toBe(widths[1] * 2);
  });
});
