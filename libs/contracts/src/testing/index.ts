/**
 * Test factories for `@kyodo/contracts/testing`: supply point ids, full valid inbound events with
 * synthetic (but realistic-looking) Japanese personal data, and their Kafka record form.
 * Deterministic: the same `seed` and options give the same event.
 */
import {
  EVENT_TYPES,
  PARTY_SOURCE_PREFIX,
  type EventKind,
  type InboundEvent,
  type JsonObject,
} from '../events';
import {
  AREAS,
  RegistrySnapshot,
  type Agreement,
  type AreaCode,
  type Consent,
  type Enrollment,
  type Party,
} from '../registry';
import type {
  ContractSwitchCustomer,
  ContractSwitchPhase,
  SupplyPoint,
} from '../schemas/contract-switch/schema';
import { isCalendarDate } from '../schemas/formats';
import type { Interval } from '../schemas/meter-reading/schema';
import type { NegawattItems } from '../schemas/negawatt/schema';
import type { InboundRecordInput } from '../validation';

export * from '../schemas/envelope/fixtures';
export * from '../schemas/contract-switch/fixtures';
export * from '../schemas/meter-reading/fixtures';
export * from '../schemas/negawatt/fixtures';

/**
 * A supply point id: the two area digits (an `AreaCode`; other two-digit strings make deliberately invalid
 * ids), then `n` as 20 digits. `supplyPointId('03', 1)` is `0300000000000000000001`.
 */
export function supplyPointId(area: string = '03', n = 1): string {
  if (!/^\d{2}$/.test(area)) throw new RangeError(`area must be two digits, got ${JSON.stringify(area)}`);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`n must be a non-negative safe integer, got ${n}`);
  return `${area}${String(n).padStart(20, '0')}`;
}

/** The envelope attributes every factory accepts. */
export interface EnvelopeOptions {
  /** Drives every generated value; defaults to a per-module counter. */
  readonly seed?: number;
  readonly id?: string;
  /** The sending party id; `source` becomes `urn:kyodo:party:<sender>`. */
  readonly sender?: string;
  /** Wins over `sender`. */
  readonly source?: string;
  readonly time?: string;
  readonly area?: AreaCode;
  /** Defaults to `supplyPointId(area, seed)`; also the subject. */
  readonly supplyPointId?: string;
  /** Deep-merged into the envelope last; an `undefined` value removes that member. */
  readonly envelope?: JsonObject;
  /** Deep-merged into `data` last; an `undefined` value removes that member. */
  readonly data?: JsonObject;
}

export interface ContractSwitchOptions extends EnvelopeOptions {
  readonly switchId?: string;
  readonly phase?: ContractSwitchPhase;
  readonly fromRetailerId?: string;
  readonly toRetailerId?: string;
  readonly effectiveDate?: string;
  readonly lastResortSupply?: boolean;
  readonly remoteIsland?: boolean;
  readonly customer?: Partial<ContractSwitchCustomer>;
  readonly supplyPoint?: Partial<SupplyPoint>;
}

export interface MeterReadingOptions extends EnvelopeOptions {
  readonly retailerId?: string;
  readonly meterId?: string;
  readonly readingDate?: string;
  readonly intervalMinutes?: number;
  /** How many intervals to generate (default 48), or the intervals themselves. */
  readonly intervals?: number | readonly Interval[];
  /** Defaults to the sum of the intervals. */
  readonly totalKwh?: number;
  readonly contractNumber?: string;
}

export interface NegawattOptions extends EnvelopeOptions {
  readonly contractorId?: string;
  readonly retailerId?: string;
  readonly dispatchId?: string;
  readonly date?: string;
  readonly negawatt?: NegawattItems;
}

export interface RegistryOptions {
  /** Added to (and, by id, replacing) the default parties. */
  readonly parties?: readonly Party[];
  readonly enrollments?: readonly Enrollment[];
  readonly consents?: readonly Consent[];
  /** When given (even empty), the registry lists agreements (v1.1). */
  readonly agreements?: readonly Agreement[];
}

/** Retailers R0001..R0003, a tdso TD01..TD10 per area, OCCTO, aggregators DR001/DR002, third parties TP001/TP002. */
export const DEFAULT_PARTIES: readonly Party[] = [
  { id: 'R0001', role: 'retailer', name: 'Clean Venture 21' },
  { id: 'R0002', role: 'retailer', name: 'Sakura Denryoku' },
  { id: 'R0003', role: 'retailer', name: 'Minato Energy' },
  ...(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'] as const).map((area): Party => ({
    id: `TD${area}`,
    role: 'tdso',
    area,
    name: `${AREAS[area]} T&D`,
  })),
  { id: 'OCCTO', role: 'occto', name: 'OCCTO' },
  { id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
  { id: 'DR002', role: 'aggregator', name: 'Demand Flex' },
  { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
  { id: 'TP002', role: 'third-party', name: 'Kakeibo Navi' },
];

/** The envelope time when a test asks for an impossible date, so only the data is invalid. */
const FALLBACK_TIME = '2026-11-27T05:00:00Z';

let sequence = 0;
function nextSeed(options: EnvelopeOptions): number {
  return options.seed ?? ++sequence;
}

export const factory = {
  contractSwitch(options: ContractSwitchOptions = {}): InboundEvent {
    const seed = nextSeed(options);
    const random = mulberry32(seed);
    const area = options.area ?? '03';
    const spid = options.supplyPointId ?? supplyPointId(area, seed);
    const fromRetailerId = options.fromRetailerId ?? 'R0001';
    const toRetailerId = options.toRetailerId ?? 'R0002';
    const effectiveDate = options.effectiveDate ?? '2026-12-01';
    const switchId = options.switchId ?? `SW-${effectiveDate.replace(/-/g, '')}-${pad(seed, 6)}`;
    const phase = options.phase ?? 'requested';
    const person = personFor(random, area, fromRetailerId);
    const place = AREA_PLACES[area];
    const amperes = pick(random, [30, 40, 50, 60]);
    const supplyPoint: SupplyPoint = {
      supplyPointId: spid,
      area,
      remoteIsland: options.remoteIsland ?? false,
      consignmentContractAmountKw: amperes / 10,
      currentLimitA: amperes,
      serviceMenu: pick(random, ['従量電灯B', '従量電灯C', '低圧電力']),
      powerFactor: 100,
      supplyMethod: '低圧 単相3線式 100/200V',
      contractDeterminationMethod: pick(random, ['アンペアブレーカー', '主開閉器契約', '実量契約']),
      meter: { meterId: `M${area}-${pad(seed, 10)}`, type: 'smart', multiplier: 1 },
      leadInPoleNumber: `${place.towns[0]}幹線${1 + Math.floor(random() * 99)}${pick(random, ['右', '左'])}${1 + Math.floor(random() * 9)}`,
      gridInterconnection: random() < 0.2,
      transferDate: effectiveDate,
      meterReadingDate: effectiveDate,
      contractStatus: '契約中',
      decommissioningMethod: null,
      ...options.supplyPoint,
    };
    const data: JsonObject = {
      switchId,
      phase,
      fromRetailerId,
      toRetailerId,
      effectiveDate,
      lastResortSupply: options.lastResortSupply ?? false,
      customer: { ...person, ...options.customer },
      supplyPoint,
    };
    return build('contract-switch', options, {
      id: `${switchId}-${phase}`,
      sender: toRetailerId,
      subject: spid,
      time: '2026-11-27T05:00:00Z',
      data,
    });
  },

  meterReading(options: MeterReadingOptions = {}): InboundEvent {
    const seed = nextSeed(options);
    const random = mulberry32(seed);
    const area = options.area ?? '03';
    const spid = options.supplyPointId ?? supplyPointId(area, seed);
    const retailerId = options.retailerId ?? 'R0001';
    const readingDate = options.readingDate ?? '2026-11-26';
    const intervalMinutes = options.intervalMinutes ?? 30;
    const intervals =
      typeof options.intervals === 'object'
        ? [...options.intervals]
        : loadCurve(random, readingDate, intervalMinutes, options.intervals ?? 48);
    const totalKwh = options.totalKwh ?? round3(intervals.reduce((sum, interval) => sum + interval.kwh, 0));
    const data: JsonObject = {
      retailerId,
      meterId: options.meterId ?? `M${area}-${pad(seed, 10)}`,
      readingDate,
      intervalMinutes,
      intervals,
      totalKwh,
      customer: { contractNumber: options.contractNumber ?? contractNumber(random, retailerId) },
    };
    return build('meter-reading', options, {
      id: `MR-${readingDate.replace(/-/g, '')}-${pad(seed, 8)}`,
      sender: `TD${area}`,
      subject: spid,
      time: isCalendarDate(readingDate) ? `${nextDay(readingDate)}T01:30:00+09:00` : FALLBACK_TIME,
      data,
    });
  },

  negawatt(options: NegawattOptions = {}): InboundEvent {
    const seed = nextSeed(options);
    const random = mulberry32(seed);
    const area = options.area ?? '03';
    const spid = options.supplyPointId ?? supplyPointId(area, seed);
    const contractorId = options.contractorId ?? 'DR001';
    const date = options.date ?? '2026-11-26';
    const dispatchId = options.dispatchId ?? `D-${date.replace(/-/g, '')}-${pad(seed, 4)}`;
    const data: JsonObject = {
      contractorId,
      retailerId: options.retailerId ?? 'R0001',
      dispatchId,
      date,
      negawatt: options.negawatt ?? negawattItems(random, date),
    };
    return build('negawatt', options, {
      id: `${dispatchId}-${pad(seed, 8)}`,
      sender: contractorId,
      subject: spid,
      time: isCalendarDate(date) ? `${date}T19:05:00+09:00` : FALLBACK_TIME,
      data,
    });
  },

  /** A registry snapshot with `DEFAULT_PARTIES`, plus or instead of (by id) the given parties. */
  registry(options: RegistryOptions = {}): RegistrySnapshot {
    const parties = new Map(DEFAULT_PARTIES.map((party) => [party.id, party]));
    for (const party of options.parties ?? []) parties.set(party.id, party);
    return new RegistrySnapshot({
      parties: [...parties.values()],
      enrollments: options.enrollments ?? [],
      consents: options.consents ?? [],
      ...(options.agreements ? { agreements: options.agreements } : {}),
    });
  },
};

/** The Kafka record value of an event (or of any object, valid or not): its JSON in UTF-8. */
export function toRecordValue(event: object): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/**
 * The inbound record `parseInbound` reads for `event` sent as its `source` names: key = subject,
 * topic = `kyodo.in.<sender>`. Overrides can break any of it.
 */
export function inboundRecord(
  event: object,
  overrides: {
    readonly key?: Buffer | string | null;
    readonly senderId?: string;
    readonly topic?: string;
  } = {},
): InboundRecordInput {
  const { source, subject } = event as { source?: unknown; subject?: unknown };
  const senderId =
    overrides.senderId ??
    (typeof source === 'string' && source.startsWith(PARTY_SOURCE_PREFIX)
      ? source.slice(PARTY_SOURCE_PREFIX.length)
      : 'R0001');
  const key = overrides.key === undefined ? (typeof subject === 'string' ? subject : null) : overrides.key;
  return {
    value: toRecordValue(event),
    key: typeof key === 'string' ? Buffer.from(key, 'utf8') : key,
    topic: overrides.topic ?? `kyodo.in.${senderId}`,
    senderId,
  };
}

/**
 * `base` with `patch` merged in: plain objects merge recursively, anything else replaces, and an
 * `undefined` value removes the member. Neither argument is modified.
 */
export function deepMerge(base: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete result[key];
    else if (isPlainObject(value) && isPlainObject(result[key])) result[key] = deepMerge(result[key], value);
    else result[key] = value;
  }
  return result;
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function build(
  kind: EventKind,
  options: EnvelopeOptions,
  defaults: { id: string; sender: string; subject: string; time: string; data: JsonObject },
): InboundEvent {
  const envelope: JsonObject = {
    specversion: '1.0',
    id: options.id ?? defaults.id,
    source: options.source ?? `${PARTY_SOURCE_PREFIX}${options.sender ?? defaults.sender}`,
    type: EVENT_TYPES[kind],
    subject: defaults.subject,
    time: options.time ?? defaults.time,
    datacontenttype: 'application/json',
    data: options.data === undefined ? defaults.data : deepMerge(defaults.data, options.data),
  };
  return (options.envelope === undefined
    ? envelope
    : deepMerge(envelope, options.envelope)) as unknown as InboundEvent;
}

// Synthetic personal data. Phone numbers use each area's real dialling code with a 555x exchange.

interface Place {
  readonly city: string;
  readonly towns: readonly string[];
  readonly dialCode: string;
}

const AREA_PLACES: Readonly<Record<AreaCode, Place>> = {
  '01': { city: '北海道札幌市中央区', towns: ['北一条西', '南三条西', '大通西'], dialCode: '011' },
  '02': { city: '宮城県仙台市青葉区', towns: ['一番町', '本町', '国分町'], dialCode: '022' },
  '03': { city: '東京都世田谷区', towns: ['太子堂', '三軒茶屋', '下馬'], dialCode: '03' },
  '04': { city: '愛知県名古屋市中区', towns: ['栄', '錦', '大須'], dialCode: '052' },
  '05': { city: '富山県富山市', towns: ['総曲輪', '桜町', '新富町'], dialCode: '076' },
  '06': { city: '大阪府大阪市北区', towns: ['中之島', '梅田', '天神橋'], dialCode: '06' },
  '07': { city: '広島県広島市中区', towns: ['紙屋町', '八丁堀', '小町'], dialCode: '082' },
  '08': { city: '香川県高松市', towns: ['丸の内', '番町', '瓦町'], dialCode: '087' },
  '09': { city: '福岡県福岡市中央区', towns: ['天神', '大名', '薬院'], dialCode: '092' },
  '10': { city: '沖縄県那覇市', towns: ['おもろまち', '久茂地', '泉崎'], dialCode: '098' },
};

const FAMILY_NAMES = [
  '佐藤',
  '鈴木',
  '高橋',
  '田中',
  '伊藤',
  '渡辺',
  '山本',
  '中村',
  '小林',
  '加藤',
  '比嘉',
  '金城',
];
const GIVEN_NAMES = [
  '陽翔',
  '結衣',
  '蓮',
  '陽葵',
  '大翔',
  '芽依',
  '悠真',
  '美咲',
  '翔太',
  '花子',
  '健一',
  '恵子',
];
const BUILDINGS = ['コーポ', 'メゾン', 'ハイツ', 'レジデンス'];
const KANJI_DIGITS = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** kWh per half hour of a typical household, by hour of day. */
const HOURLY_PROFILE = [
  0.22, 0.19, 0.17, 0.16, 0.16, 0.18, 0.28, 0.55, 0.62, 0.42, 0.32, 0.3, 0.33, 0.3, 0.28, 0.3, 0.38, 0.58,
  0.85, 0.95, 0.9, 0.78, 0.58, 0.35,
];

function personFor(
  random: () => number,
  area: AreaCode,
  retailerId: string,
): Required<ContractSwitchCustomer> {
  const place = AREA_PLACES[area];
  const chome = 1 + Math.floor(random() * 5);
  const building =
    random() < 0.5
      ? ` ${pick(random, BUILDINGS)}${pick(random, place.towns)}${1 + Math.floor(random() * 4)}0${1 + Math.floor(random() * 8)}`
      : '';
  const address = `${place.city}${pick(random, place.towns)}${KANJI_DIGITS[chome]}丁目${1 + Math.floor(random() * 30)}番${1 + Math.floor(random() * 20)}号${building}`;
  const subscriber = pad(Math.floor(random() * 1000), 3);
  const phone =
    random() < 0.4
      ? `090-5550-${pad(Math.floor(random() * 10000), 4)}`
      : place.dialCode.length === 2
        ? `${place.dialCode}-5550-${subscriber}${Math.floor(random() * 10)}`
        : `${place.dialCode}-555-${pad(Math.floor(random() * 10000), 4)}`;
  return {
    name: `${pick(random, FAMILY_NAMES)} ${pick(random, GIVEN_NAMES)}`,
    address,
    phone,
    contractNumber: contractNumber(random, retailerId),
  };
}

function contractNumber(random: () => number, retailerId: string): string {
  return `${retailerId}-${pad(Math.floor(random() * 1e10), 10)}`;
}

function loadCurve(
  random: () => number,
  readingDate: string,
  intervalMinutes: number,
  count: number,
): Interval[] {
  // An impossible readingDate (asked for by a test) still gets real timestamps.
  const midnight = Date.parse(`${isCalendarDate(readingDate) ? readingDate : '2026-11-26'}T00:00:00+09:00`);
  const intervals: Interval[] = [];
  for (let i = 0; i < count; i++) {
    const startMs = midnight + i * intervalMinutes * 60_000;
    const hour = Math.floor(((i * intervalMinutes) % 1440) / 60);
    const kwh = round3(HOURLY_PROFILE[hour] * (intervalMinutes / 30) * (0.8 + random() * 0.4));
    intervals.push({ start: jst(startMs), kwh });
  }
  return intervals;
}

function negawattItems(random: () => number, date: string): NegawattItems {
  const baseline = [0, 1, 2, 3].map((i) => ({
    start: `${date}T${17 + Math.floor(i / 2)}:${i % 2 === 0 ? '00' : '30'}:00+09:00`,
    kw: round3(2 + random() * 1.5),
  }));
  const requestedKw = round3(0.8 + random());
  return {
    baseline,
    demandControl: {
      requestedKw,
      from: `${date}T17:00:00+09:00`,
      to: `${date}T19:00:00+09:00`,
      achievedKw: round3(requestedKw * (0.8 + random() * 0.3)),
      method: pick(random, ['エアコン設定温度の変更', '蓄電池放電', 'ヒートポンプ給湯機の停止']),
    },
    supplyDemand: { settlementType: '類型1①', imbalanceKwh: round3(random() * 0.2) },
    generationSales: { contractedKwh: round3(requestedKw * 2), unitPriceJpyPerKwh: 12.5 },
  };
}

/** RFC 3339 in Japan Standard Time (UTC+9, no daylight saving). */
function jst(epochMs: number): string {
  return `${new Date(epochMs + 9 * 3_600_000).toISOString().slice(0, 19)}+09:00`;
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** A small seeded PRNG, so factories (and generated traffic) are deterministic. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export * from './contract-table';
export * from './binary';
export * from './registry-fixture';
export * from './traffic';
