/**
 * What the comparison prints and writes, from the rows' measurements: percentiles, the table, the
 * ratios of Kyodo to each row, the targets met or missed, and an SVG bar chart. Pure: no I/O.
 */

export type RowKind = 'ceiling' | 'streams' | 'passthrough' | 'naive' | 'kyodo';

export interface LatencySummary {
  /** Input events per second the paced producer aimed at. */
  readonly rate: number;
  readonly samples: number;
  /** Paced inputs whose output was not seen before the wait ended. */
  readonly missing: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface RowResult {
  readonly name: string;
  readonly kind: RowKind;
  readonly adapter?: 'kafkajs' | 'platformatic';
  /** Input events (or, for the ceiling, records) and the seconds they took. */
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly outputRecords?: number;
  readonly outputBytes?: number;
  readonly outputMBps?: number;
  readonly latency?: LatencySummary;
  /** Resident set size at the end of the run (steady) and the highest seen, MiB. */
  readonly rssMiB?: number;
  readonly peakRssMiB?: number;
  /** User + system CPU time of the process per input event, µs. */
  readonly cpuMicrosPerEvent?: number;
  readonly note?: string;
  readonly error?: string;
}

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly measured: string;
  /** undefined when a row it needs is missing. */
  readonly met: boolean | undefined;
}

/** The p-th percentile (0 < p ≤ 100) by nearest rank of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Less a hair: 99.9% of 1000 is 999.0000000000001 in floating point, and its rank is 999.
  const rank = Math.ceil((p / 100) * sorted.length - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarizeLatency(millis: readonly number[], rate: number, missing: number): LatencySummary {
  const sorted = [...millis].sort((a, b) => a - b);
  return {
    rate,
    samples: sorted.length,
    missing,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
  };
}

export const KYODO_ROW = 'kyodo (platformatic)';

function find(rows: readonly RowResult[], name: string): RowResult | undefined {
  return rows.find((row) => row.name === name && row.error === undefined);
}

/** Kyodo on the row's adapter (platformatic where the row has none) divided by the row, in events/s. */
export function ratios(rows: readonly RowResult[]): { name: string; ratio: number | undefined }[] {
  return rows
    .filter((row) => row.kind !== 'kyodo')
    .map((row) => {
      const kyodo = find(rows, row.adapter ? `kyodo (${row.adapter})` : KYODO_ROW);
      const ok = kyodo !== undefined && row.error === undefined && row.eventsPerSecond > 0;
      return { name: row.name, ratio: ok ? kyodo.eventsPerSecond / row.eventsPerSecond : undefined };
    });
}

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * The targets, each met or missed with its number. `meterReadingShare` is the share of meter readings
 * in the input: the events/s target speaks of meter readings, so it holds only for an input of them.
 */
export function evaluateTargets(rows: readonly RowResult[], meterReadingShare: number): Target[] {
  const kyodo = find(rows, KYODO_ROW);
  const ratio = (of: RowResult | undefined, over: RowResult | undefined) =>
    of && over && over.eventsPerSecond > 0 ? of.eventsPerSecond / over.eventsPerSecond : undefined;
  const atLeast = (value: number | undefined, goal: number) =>
    value === undefined ? undefined : value >= goal;
  const targets: Target[] = [];
  for (const adapter of ['platformatic', 'kafkajs'] as const) {
    const r = ratio(find(rows, `kyodo (${adapter})`), find(rows, `passthrough (${adapter})`));
    targets.push({
      name: `kyodo vs passthrough on ${adapter}`,
      goal: '≥ 0.8×',
      measured: r === undefined ? '–' : `${r.toFixed(2)}×`,
      met: atLeast(r, 0.8),
    });
  }
  const streams = ratio(kyodo, find(rows, 'Kafka Streams'));
  targets.push({
    name: 'kyodo vs Kafka Streams',
    goal: '≥ 0.5×',
    measured: streams === undefined ? '–' : `${streams.toFixed(2)}×`,
    met: atLeast(streams, 0.5),
  });
  const naive = ratio(kyodo, find(rows, 'naive Nest microservice'));
  targets.push({
    name: 'kyodo vs naive Nest microservice',
    goal: '≥ 5×',
    measured: naive === undefined ? '–' : `${naive.toFixed(2)}×`,
    met: atLeast(naive, 5),
  });
  const onlyReadings = meterReadingShare >= 0.999;
  targets.push({
    name: 'meter-reading events/s end to end',
    goal: '≥ 10,000/s',
    measured:
      kyodo === undefined
        ? '–'
        : `${fmt(kyodo.eventsPerSecond)}/s${onlyReadings ? '' : ` (input only ${Math.round(meterReadingShare * 100)}% meter readings)`}`,
    met: kyodo === undefined ? undefined : kyodo.eventsPerSecond >= 10_000,
  });
  const latency = kyodo?.latency;
  targets.push({
    name: 'p99 latency at half of peak',
    goal: '≤ 100 ms',
    measured:
      latency === undefined
        ? '–'
        : `${fmt(latency.p99, 1)} ms at ${fmt(latency.rate)}/s${latency.missing > 0 ? `, ${latency.missing} missing` : ''}`,
    met: latency === undefined ? undefined : latency.p99 <= 100 && latency.missing === 0,
  });
  targets.push({
    name: 'gateway RSS steady',
    goal: '≤ 256 MiB',
    measured: kyodo?.rssMiB === undefined ? '–' : `${fmt(kyodo.rssMiB)} MiB (peak ${fmt(kyodo.peakRssMiB)})`,
    met: kyodo?.rssMiB === undefined ? undefined : kyodo.rssMiB <= 256,
  });
  return targets;
}

const COLUMNS = [
  'row',
  'events/s',
  'out MB/s',
  'p50 ms',
  'p99 ms',
  'p999 ms',
  'RSS MiB',
  'CPU µs/event',
  'kyodo ÷ row',
] as const;

/** The table as aligned text (also valid Markdown). */
export function formatTable(rows: readonly RowResult[]): string {
  const ratioOf = new Map(ratios(rows).map((r) => [r.name, r.ratio]));
  const cells = rows.map((row) =>
    row.error !== undefined
      ? [row.name, `failed: ${row.error.split('\n')[0].slice(0, 80)}`, '', '', '', '', '', '', '']
      : [
          row.name,
          fmt(row.eventsPerSecond),
          fmt(row.outputMBps, 1),
          fmt(row.latency?.p50, 1),
          fmt(row.latency?.p99, 1),
          fmt(row.latency?.p999, 1),
          row.rssMiB === undefined ? '–' : `${fmt(row.rssMiB)} (peak ${fmt(row.peakRssMiB)})`,
          fmt(row.cpuMicrosPerEvent),
          row.kind === 'kyodo'
            ? ''
            : ratioOf.get(row.name) === undefined
              ? '–'
              : `${ratioOf.get(row.name)!.toFixed(2)}×`,
        ],
  );
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (values: readonly string[]) =>
    `| ${values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(COLUMNS), rule, ...cells.map(line)].join('\n');
}

export function formatTargets(targets: readonly Target[]): string {
  const verdict = (t: Target) => (t.met === undefined ? 'not measured' : t.met ? 'met' : 'MISSED');
  const width = Math.max(...targets.map((t) => t.name.length));
  return targets
    .map((t) => `${t.name.padEnd(width)}  ${t.goal.padEnd(11)} ${t.measured.padEnd(34)} ${verdict(t)}`)
    .join('\n');
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

const COLOURS: Readonly<Record<RowKind, string>> = {
  ceiling: '#9e9e9e',
  streams: '#5c6bc0',
  passthrough: '#42a5f5',
  naive: '#ef5350',
  kyodo: '#2e7d32',
};

/**
 * Two horizontal bar charts in one SVG: input events/s per row, and end-to-end latency p50/p99/p999
 * for the rows that measured it.
 */
export function renderSvg(rows: readonly RowResult[], title: string): string {
  const ok = rows.filter((row) => row.error === undefined);
  const width = 860;
  const labelWidth = 220;
  const barArea = width - labelWidth - 110;
  const barHeight = 22;
  const gap = 8;
  const parts: string[] = [];
  let y = 34;
  parts.push(
    `<text x="16" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="16" y="${(y += 16)}" font-size="13" fill="#444">input events/s (ceiling: ProducerPerformance records/s ÷ 3, ConsumerPerformance records/s)</text>`,
  );
  y += 10;
  const maxRate = Math.max(1, ...ok.map((row) => row.eventsPerSecond));
  for (const row of ok) {
    const w = Math.max(1, (row.eventsPerSecond / maxRate) * barArea);
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 15}" font-size="12" text-anchor="end">${escapeXml(row.name)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLOURS[row.kind]}"/>`,
      `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 15}" font-size="12">${fmt(row.eventsPerSecond)}</text>`,
    );
    y += barHeight + gap;
  }
  const timed = ok.filter((row) => row.latency !== undefined && row.latency.samples > 0);
  if (timed.length > 0) {
    y += 18;
    parts.push(
      `<text x="16" y="${y}" font-size="13" fill="#444">end-to-end latency, ms (log scale): p50 · p99 · p999, paced at ${fmt(timed[0].latency!.rate)} events/s</text>`,
    );
    y += 10;
    const maxLatency = Math.max(10, ...timed.map((row) => row.latency!.p999));
    const latencyArea = barArea - 110; // room for the three figures after the bar
    const scale = (ms: number) => (Math.log10(Math.max(1, ms)) / Math.log10(maxLatency)) * latencyArea;
    for (const row of timed) {
      const l = row.latency!;
      const shades = [
        ['p999', l.p999, 0.35],
        ['p99', l.p99, 0.65],
        ['p50', l.p50, 1],
      ] as const;
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + 15}" font-size="12" text-anchor="end">${escapeXml(row.name)}</text>`,
      );
      for (const [, value, opacity] of shades)
        parts.push(
          `<rect x="${labelWidth}" y="${y}" width="${Math.max(1, scale(value)).toFixed(1)}" height="${barHeight}" fill="${COLOURS[row.kind]}" fill-opacity="${opacity}"/>`,
        );
      parts.push(
        `<text x="${(labelWidth + scale(l.p999) + 6).toFixed(1)}" y="${y + 15}" font-size="12">${fmt(l.p50, 1)} · ${fmt(l.p99, 1)} · ${fmt(l.p999, 1)}</text>`,
      );
      y += barHeight + gap;
    }
  }
  y += 12;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
