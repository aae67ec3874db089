/**
 * Seeded synthetic traffic: a registry with parties in all ten areas and the inbound events they
 * would send over a period, for the demo, benchmarks and tests. The same options give the same output,
 * byte for byte. Personal data is synthetic, in plausible Japanese formats (see the factory).
 */
import {
  AREA_CODES,
  type AreaCode,
  type Consent,
  type Enrollment,
  type Party,
  type RegistryData,
} from '../registry';
import type { InboundEvent } from '../events';
import type { ContractSwitchPhase } from '../schemas/contract-switch/schema';
import { factory, mulberry32 } from './index';

export interface TrafficOptions {
  /** Drives every choice; the same seed gives the same registry and events. */
  readonly seed: number;
  /** First day of the period, `YYYY-MM-DD` (default 2026-11-01). */
  readonly startDate?: string;
  /** Days of daily meter readings (48 half-hour intervals each; default 7). */
  readonly days?: number;
  /** Supply points per area (default 4). */
  readonly supplyPointsPerArea?: number;
}

/** One event and the party that sends it (its inbox is `<prefix>.in.<sender>`). */
export interface GeneratedEvent {
  readonly sender: string;
  /** The record key: the supply point id. */
  readonly key: string;
  readonly event: InboundEvent;
}

export interface GeneratedTraffic {
  readonly registry: RegistryData;
  /** In the order a day's business would send them. */
  readonly events: readonly GeneratedEvent[];
  readonly counts: Readonly<Record<string, number>>;
}

const RETAILERS: readonly Party[] = [
  { id: 'R0001', role: 'retailer', name: 'クリーンベンチャー21' },
  { id: 'R0002', role: 'retailer', name: 'さくら電力' },
  { id: 'R0003', role: 'retailer', name: 'みなとエネルギーサービス' },
  { id: 'R0004', role: 'retailer', name: 'ほくと新電力' },
  { id: 'R0005', role: 'retailer', name: '南国でんき' },
];
const TDSO_NAMES: Readonly<Record<AreaCode, string>> = {
  '01': '北海道電力ネットワーク',
  '02': '東北電力ネットワーク',
  '03': '東京電力パワーグリッド',
  '04': '中部電力パワーグリッド',
  '05': '北陸電力送配電',
  '06': '関西電力送配電',
  '07': '中国電力ネットワーク',
  '08': '四国電力送配電',
  '09': '九州電力送配電',
  '10': '沖縄電力',
};
const AGGREGATORS: readonly Party[] = [
  { id: 'DR001', role: 'aggregator', name: 'ネガワット株式会社' },
  { id: 'DR002', role: 'aggregator', name: '関西デマンドレスポンス' },
  { id: 'DR003', role: 'aggregator', name: 'アイランドDR' },
];
const THIRD_PARTIES: readonly Party[] = [
  { id: 'TP001', role: 'third-party', name: 'おうちエネルギーアプリ' },
  { id: 'TP002', role: 'third-party', name: '家計簿ナビ' },
];
/** `AREA_CODES` in numeric order (object key order puts "10" first). */
const AREAS_IN_ORDER: readonly AreaCode[] = [...AREA_CODES].sort();
/** Areas with remote islands in the synthetic data (the area tdso manages basic information there). */
const ISLAND_AREAS: ReadonlySet<AreaCode> = new Set(['01', '09', '10']);

/** The registry and events for `options`; pure and deterministic. */
export function generateTraffic(options: TrafficOptions): GeneratedTraffic {
  const random = mulberry32(options.seed);
  const startDate = options.startDate ?? '2026-11-01';
  const days = options.days ?? 7;
  const perArea = options.supplyPointsPerArea ?? 4;
  if (!Number.isInteger(days) || days < 1 || days > 366)
    throw new RangeError(`days must be 1..366, got ${days}`);
  if (!Number.isInteger(perArea) || perArea < 1 || perArea > 10_000)
    throw new RangeError(`supplyPointsPerArea must be 1..10000, got ${perArea}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate) || Number.isNaN(Date.parse(`${startDate}T00:00:00Z`)))
    throw new RangeError(`startDate must be YYYY-MM-DD, got ${JSON.stringify(startDate)}`);
  const date = (offset: number) => addDays(startDate, offset);

  const parties: Party[] = [
    ...RETAILERS,
    ...AREAS_IN_ORDER.map((area): Party => ({ id: `TD${area}`, role: 'tdso', area, name: TDSO_NAMES[area] })),
    { id: 'OCCTO', role: 'occto', name: '電力広域的運営推進機関' },
    ...AGGREGATORS,
    ...THIRD_PARTIES,
  ];
  const enrollments: Enrollment[] = [];
  const consents: Consent[] = [];
  const events: GeneratedEvent[] = [];
  const counts: Record<string, number> = { 'contract-switch': 0, 'meter-reading': 0, negawatt: 0 };
  const send = (sender: string, event: InboundEvent) => {
    events.push({ sender, key: event.subject, event });
    counts[kindOf(event.type)] += 1;
  };
  let seed = Math.floor(random() * 1_000_000) * 1000;
  let switches = 0;
  let consentCount = 0;
  const next = () => (seed += 1);

  for (const area of AREAS_IN_ORDER) {
    for (let n = 1; n <= perArea; n++) {
      const spid = `${area}${String(n).padStart(20, '0')}`;
      const from = pickFrom(random, RETAILERS).id;
      const to = pickFrom(
        random,
        RETAILERS.filter((r) => r.id !== from),
      ).id;
      // The last supply point of each island area is on an island; the first of areas 02, 05 and 08 is
      // under last-resort supply. Both always switch, so their switches show the rule.
      const remoteIsland = ISLAND_AREAS.has(area) && (n === perArea || random() < 0.2);
      const lastResortSupply = !remoteIsland && ((n === 1 && Number(area) % 3 === 2) || random() < 0.05);
      // About half the supply points switch retailer mid-period; the rest keep theirs.
      const switching = remoteIsland || lastResortSupply || random() < 0.5;
      const effectiveDate = date(Math.floor(days / 2));
      const meterId = `M${area}-${spid.slice(-10)}`;
      const contractNumber = (retailer: string) => `${retailer}-${spid.slice(-10)}`;
      if (switching) {
        // One customer and one meter through all phases of a switch.
        const switchSeed = next();
        // Most switches complete; every seventh is rejected and every seventh cancelled.
        const nth = (switches += 1) % 7;
        const ending: ContractSwitchPhase = nth === 3 ? 'rejected' : nth === 5 ? 'cancelled' : 'completed';
        const phases: ContractSwitchPhase[] =
          ending === 'completed' ? ['requested', 'accepted', 'completed'] : ['requested', ending];
        phases.forEach((phase, i) =>
          send(
            to,
            factory.contractSwitch({
              seed: switchSeed,
              area,
              supplyPointId: spid,
              switchId: `SW-${spid.slice(-8)}-${effectiveDate.replace(/-/g, '')}`,
              phase,
              fromRetailerId: from,
              toRetailerId: to,
              effectiveDate,
              remoteIsland,
              lastResortSupply,
              customer: { contractNumber: contractNumber(from) },
              supplyPoint: { meter: { meterId, type: 'smart', multiplier: 1 } },
              sender: to,
              time: `${date(Math.max(0, Math.floor(days / 2) - phases.length + i))}T01:00:00Z`,
            }),
          ),
        );
      }
      const completed = switching && events[events.length - 1].event.data.phase === 'completed';
      const retailerOn = (day: string) => (completed && day >= effectiveDate ? to : from);

      // Enrollment and consent windows: some cover the whole period, some start or end inside it.
      const aggregator = area === '10' ? 'DR003' : pickFrom(random, AGGREGATORS.slice(0, 2)).id;
      if (random() < 0.4)
        enrollments.push({
          aggregatorId: aggregator,
          supplyPointId: spid,
          ...window(random, startDate, days),
        });
      if (random() < 0.3) {
        const w = window(random, startDate, days);
        consents.push({
          id: `C-${spid.slice(0, 2)}${spid.slice(-6)}`,
          thirdPartyId: pickFrom(random, THIRD_PARTIES).id,
          supplyPointId: spid,
          categories: random() < 0.5 ? ['meter-reading'] : ['meter-reading', 'negawatt'],
          ...w,
          // Every fourth consent is revoked a third of the way through the period.
          revokedAt: (consentCount += 1) % 4 === 0 ? `${date(Math.floor(days / 3))}T03:00:00Z` : null,
        });
      }
      for (let day = 0; day < days; day++) {
        const readingDate = date(day);
        send(
          `TD${area}`,
          factory.meterReading({
            seed: next(),
            area,
            supplyPointId: spid,
            retailerId: retailerOn(readingDate),
            meterId,
            contractNumber: contractNumber(retailerOn(readingDate)),
            readingDate,
            sender: `TD${area}`,
            id: `MR-${spid.slice(0, 2)}${spid.slice(-6)}-${readingDate.replace(/-/g, '')}`,
          }),
        );
      }
      // A negawatt dispatch (with its baseline) for about a third of the supply points.
      if (random() < 0.35) {
        const day = date(Math.floor(random() * days));
        send(
          aggregator,
          factory.negawatt({
            seed: next(),
            area,
            supplyPointId: spid,
            contractorId: aggregator,
            retailerId: retailerOn(day),
            dispatchId: `D-${spid.slice(0, 2)}${spid.slice(-6)}-${day.replace(/-/g, '')}`,
            date: day,
            sender: aggregator,
          }),
        );
      }
    }
  }
  return { registry: { parties, enrollments, consents }, events, counts };
}

function kindOf(type: string): string {
  return type.replace(/^jp\.kyodo\./, '').replace(/\.v\d+$/, '');
}

/** A window that covers the whole period, starts inside it, or ends inside it. */
function window(random: () => number, startDate: string, days: number): { from: string; to: string } {
  const shape = random();
  const inside = Math.floor(random() * days);
  if (shape < 0.5) return { from: addDays(startDate, -180), to: addDays(startDate, 365) };
  if (shape < 0.75) return { from: addDays(startDate, inside), to: addDays(startDate, 365) };
  return { from: addDays(startDate, -180), to: addDays(startDate, inside) };
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function pickFrom<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}
