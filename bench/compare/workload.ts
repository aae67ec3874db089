/**
 * The input every row of the comparison gets: the same records, keyed by supply point, in the sender's
 * inbox (`<prefix>.in.<sender>`), in the proportions of `--mix`. Each record has an event id of its own,
 * so the gateway refuses none as a duplicate (which would be cheaper than routing it).
 */
import { PARTY_SOURCE_PREFIX, type EventKind, type RegistryData } from '@kyodo/contracts';
import { factory, fixtureParties, mulberry32, toRecordValue } from '@kyodo/contracts/testing';

export const KINDS = ['meter-reading', 'contract-switch', 'negawatt'] as const satisfies readonly EventKind[];

/** Proportions of each event kind, summing to 1. */
export type Mix = Readonly<Record<(typeof KINDS)[number], number>>;

export interface InputRecord {
  readonly sender: string;
  readonly key: string;
  readonly value: string;
}

export interface Workload {
  readonly registry: RegistryData;
  /** Parties whose inboxes hold input (one topic each). */
  readonly senders: readonly string[];
  readonly records: readonly InputRecord[];
  /** Mean size of an input record's value, in bytes. */
  readonly meanBytes: number;
  readonly counts: Readonly<Record<string, number>>;
  /** A record like the `i`-th template, with an id no other record has: `<id>-<tag>`. */
  variant(i: number, tag: string): InputRecord;
}

export const SUPPLY_POINTS = 1000;
const AREA = '03';

/**
 * Parses `--mix`: three numbers for meter-reading / contract-switch / negawatt, as `80/15/5`,
 * `0.8,0.15,0.05` or `meter-reading=8,negawatt=2`; they are scaled to sum to 1.
 */
export function parseMix(text: string): Mix {
  const named = text.includes('=');
  const weights: Record<string, number> = { 'meter-reading': 0, 'contract-switch': 0, negawatt: 0 };
  const parts = text.split(/[/,:]/).map((p) => p.trim());
  if (named) {
    for (const part of parts) {
      const [name, value] = part.split('=');
      if (!(KINDS as readonly string[]).includes(name))
        throw new Error(`--mix: unknown kind ${JSON.stringify(name)} (one of ${KINDS.join(', ')})`);
      weights[name] = Number(value);
    }
  } else {
    if (parts.length !== 3) throw new Error(`--mix: three numbers (${KINDS.join(' / ')}), got ${text}`);
    KINDS.forEach((kind, i) => (weights[kind] = Number(parts[i])));
  }
  const total = KINDS.reduce((sum, kind) => sum + weights[kind], 0);
  if (KINDS.some((kind) => !Number.isFinite(weights[kind]) || weights[kind] < 0) || total <= 0)
    throw new Error(`--mix: non-negative numbers with a positive sum, got ${text}`);
  return Object.fromEntries(KINDS.map((kind) => [kind, weights[kind] / total])) as Mix;
}

export function formatMix(mix: Mix): string {
  return KINDS.map((kind) => `${kind} ${Math.round(mix[kind] * 100)}%`).join(', ');
}

export function spid(i: number): string {
  return `${AREA}${String(i).padStart(20, '0')}`;
}

/**
 * One retailer's customers in area 03: each supply point enrolled with an aggregator and consented to
 * a third party for readings and negawatt, so a meter reading fans out to three parties (retailer,
 * aggregator, third party) as in the pure-core benchmark.
 */
export function benchRegistry(): RegistryData {
  return {
    parties: fixtureParties('R0001', 'R0002', 'TD03', 'OCCTO', 'DR001', 'TP001'),
    enrollments: Array.from({ length: SUPPLY_POINTS }, (_, i) => ({
      aggregatorId: 'DR001',
      supplyPointId: spid(i),
      from: '2026-01-01',
      to: '2027-12-31',
    })),
    consents: Array.from({ length: SUPPLY_POINTS }, (_, i) => ({
      id: `C${i}`,
      thirdPartyId: 'TP001',
      supplyPointId: spid(i),
      categories: ['meter-reading' as const, 'negawatt' as const],
      from: '2026-01-01',
      to: '2027-12-31',
      revokedAt: null,
    })),
  };
}

interface Template {
  readonly sender: string;
  readonly key: string;
  readonly id: string;
  readonly value: string;
}

function templates(kind: (typeof KINDS)[number]): Template[] {
  return Array.from({ length: SUPPLY_POINTS }, (_, i) => {
    const common = { seed: i + 1, area: AREA as '03', supplyPointId: spid(i) };
    const event =
      kind === 'meter-reading'
        ? factory.meterReading({ ...common, retailerId: 'R0001', sender: 'TD03' })
        : kind === 'contract-switch'
          ? factory.contractSwitch({ ...common, fromRetailerId: 'R0001', toRetailerId: 'R0002' })
          : factory.negawatt({ ...common, contractorId: 'DR001', retailerId: 'R0001' });
    const sender = event.source.slice(PARTY_SOURCE_PREFIX.length);
    return { sender, key: event.subject, id: event.id, value: toRecordValue(event).toString('utf8') };
  });
}

function withId(template: Template, suffix: string): InputRecord {
  return {
    sender: template.sender,
    key: template.key,
    value: template.value.replace(`"id":"${template.id}"`, `"id":"${template.id}-${suffix}"`),
  };
}

/** `events` records in the proportions of `mix`, interleaved by a seeded draw (the same seed, the same input). */
export function makeWorkload(events: number, mix: Mix, seed = 1): Workload {
  const byKind = Object.fromEntries(
    KINDS.map((kind) => [kind, mix[kind] > 0 ? templates(kind) : []]),
  ) as Record<(typeof KINDS)[number], Template[]>;
  const random = mulberry32(seed);
  const counts: Record<string, number> = Object.fromEntries(KINDS.map((kind) => [kind, 0]));
  const chosen: (typeof KINDS)[number][] = [];
  const draw = (): (typeof KINDS)[number] => {
    let r = random();
    for (const kind of KINDS) {
      if (r < mix[kind]) return kind;
      r -= mix[kind];
    }
    return KINDS.find((kind) => mix[kind] > 0)!;
  };
  const records: InputRecord[] = [];
  let bytes = 0;
  for (let i = 0; i < events; i++) {
    const kind = draw();
    chosen.push(kind);
    counts[kind] += 1;
    const record = withId(byKind[kind][i % SUPPLY_POINTS], `b${i}`);
    bytes += Buffer.byteLength(record.value);
    records.push(record);
  }
  const senders = [...new Set(records.map((r) => r.sender))].sort();
  return {
    registry: benchRegistry(),
    senders,
    records,
    meanBytes: events > 0 ? bytes / events : 0,
    counts,
    variant: (i, tag) => withId(byKind[chosen[i % chosen.length]][i % SUPPLY_POINTS], tag),
  };
}

/**
 * One meter reading per supply point of `benchRegistry` (TD03 to R0001), as record key, event id and
 * JSON text: the benches repeat them with the id made unique per input (a re-sent id would be refused
 * as a duplicate, which is cheaper than routing it and would flatter the figures).
 */
export function readingTemplates(): { key: string; id: string; value: string }[] {
  return Array.from({ length: SUPPLY_POINTS }, (_, i) => {
    const e = factory.meterReading({
      seed: i + 1,
      area: AREA as '03',
      supplyPointId: spid(i),
      retailerId: 'R0001',
      sender: 'TD03',
    });
    return { key: e.subject, id: e.id, value: toRecordValue(e).toString('utf8') };
  });
}
