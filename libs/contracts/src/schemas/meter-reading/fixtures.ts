import type { InboundEvent } from '../../events';
import type { InvalidFixture } from '../common';
import type { Interval, MeterReadingData } from './schema';

export const METER_READING_FIXTURE_SUPPLY_POINT = '0300000000000000000001';

/** A household's 26 November 2026 in Tokyo, in kWh per half hour from 00:00 JST. */
const HALF_HOURLY_KWH = [
  0.21, 0.19, 0.18, 0.17, 0.17, 0.16, 0.16, 0.17, 0.18, 0.2, 0.24, 0.31, 0.45, 0.62, 0.71, 0.58, 0.42, 0.33,
  0.28, 0.25, 0.24, 0.26, 0.29, 0.31, 0.27, 0.25, 0.24, 0.26, 0.3, 0.35, 0.44, 0.57, 0.69, 0.82, 0.91, 0.95,
  0.88, 0.84, 0.79, 0.72, 0.65, 0.58, 0.49, 0.41, 0.34, 0.28, 0.24, 0.22,
];

function halfHourStart(day: string, index: number): string {
  const hours = String(Math.floor(index / 2)).padStart(2, '0');
  const minutes = index % 2 === 0 ? '00' : '30';
  return `${day}T${hours}:${minutes}:00+09:00`;
}

const fixtureIntervals: Interval[] = HALF_HOURLY_KWH.map((kwh, i) => ({
  start: halfHourStart('2026-11-26', i),
  kwh,
}));

/** Sent by the Tokyo T&D operator TD03 for the customer of retailer R0001; synthetic. */
export const validMeterReadingData: MeterReadingData = {
  retailerId: 'R0001',
  meterId: 'M03-0012345678',
  readingDate: '2026-11-26',
  intervalMinutes: 30,
  intervals: fixtureIntervals,
  totalKwh: Math.round(HALF_HOURLY_KWH.reduce((sum, kwh) => sum + kwh, 0) * 1000) / 1000,
  customer: { contractNumber: 'R0001-0012345678' },
};

export const validMeterReadingEvent: InboundEvent = {
  specversion: '1.0',
  id: 'MR-0300000000000000000001-20261126',
  source: 'urn:kyodo:party:TD03',
  type: 'jp.kyodo.meter-reading.v1',
  subject: METER_READING_FIXTURE_SUPPLY_POINT,
  time: '2026-11-27T01:30:00+09:00',
  datacontenttype: 'application/json',
  data: validMeterReadingData,
};

function variant(patch: Record<string, unknown>): Record<string, unknown> {
  return { ...validMeterReadingData, ...patch };
}
function without(key: keyof MeterReadingData): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...validMeterReadingData };
  delete copy[key];
  return copy;
}
function withInterval(index: number, interval: Record<string, unknown>): Record<string, unknown> {
  const intervals: unknown[] = [...fixtureIntervals];
  intervals[index] = interval;
  return variant({ intervals });
}
function intervalsOf(count: number): Interval[] {
  return Array.from({ length: count }, (_, i) => ({ start: halfHourStart('2026-11-26', i % 48), kwh: 0.2 }));
}

/** Data that must be rejected when sent by TD03 with subject `METER_READING_FIXTURE_SUPPLY_POINT`. */
export const invalidMeterReadingData: readonly InvalidFixture[] = [
  {
    name: 'retailerId missing',
    value: without('retailerId'),
    reason: 'invalid-data',
    message: 'data.retailerId is required',
  },
  {
    name: 'readingDate missing',
    value: without('readingDate'),
    reason: 'invalid-data',
    message: 'data.readingDate is required',
  },
  {
    name: 'intervalMinutes missing',
    value: without('intervalMinutes'),
    reason: 'invalid-data',
    message: 'data.intervalMinutes is required',
  },
  {
    name: 'intervals missing',
    value: without('intervals'),
    reason: 'invalid-data',
    message: 'data.intervals is required',
  },
  {
    name: 'totalKwh missing',
    value: without('totalKwh'),
    reason: 'invalid-data',
    message: 'data.totalKwh is required',
  },
  {
    name: 'intervals an object',
    value: variant({ intervals: { 0: 0.2 } }),
    reason: 'invalid-data',
    message: 'data.intervals must be an array, got an object',
  },
  {
    name: 'interval without kwh',
    value: withInterval(5, { start: '2026-11-26T02:30:00+09:00' }),
    reason: 'invalid-data',
    message: 'data.intervals[5].kwh is required',
  },
  {
    name: 'kwh a string',
    value: withInterval(0, { start: '2026-11-26T00:00:00+09:00', kwh: '0.21' }),
    reason: 'invalid-data',
    message: 'data.intervals[0].kwh must be a number, got a string of 4 characters',
  },
  {
    name: 'intervalMinutes fractional',
    value: variant({ intervalMinutes: 30.5 }),
    reason: 'invalid-data',
    message: 'data.intervalMinutes must be an integer, got a number with a fractional part',
  },
  {
    name: 'customer.contractNumber a number',
    value: variant({ customer: { contractNumber: 12345678 } }),
    reason: 'invalid-data',
    message: 'data.customer.contractNumber must be a string, got a number',
  },
  {
    name: 'negative kwh',
    value: withInterval(3, { start: '2026-11-26T01:30:00+09:00', kwh: -1 }),
    reason: 'out-of-range',
    message: 'data.intervals[3].kwh must be >= 0, got a number out of that range',
  },
  {
    name: 'negative totalKwh',
    value: variant({ totalKwh: -0.5 }),
    reason: 'out-of-range',
    message: 'data.totalKwh must be >= 0, got a number out of that range',
  },
  {
    name: '51 intervals',
    value: variant({ intervals: intervalsOf(51) }),
    reason: 'out-of-range',
    message: 'data.intervals must have at most 50 items, got 51',
  },
  {
    name: 'intervalMinutes zero',
    value: variant({ intervalMinutes: 0 }),
    reason: 'out-of-range',
    message: 'data.intervalMinutes must be >= 1, got a number out of that range',
  },
  {
    name: 'readingDate Feb 30',
    value: variant({ readingDate: '2026-02-30' }),
    reason: 'out-of-range',
    message: 'data.readingDate must be a real calendar date (YYYY-MM-DD), got a string of 10 characters',
  },
  {
    name: 'readingDate Feb 29 of a common year',
    value: variant({ readingDate: '2027-02-29' }),
    reason: 'out-of-range',
    message: 'data.readingDate',
  },
  {
    name: 'interval start at 24:00',
    value: withInterval(0, { start: '2026-11-26T24:00:00+09:00', kwh: 0.2 }),
    reason: 'out-of-range',
    message: 'data.intervals[0].start must be an RFC 3339 date-time',
  },
  {
    name: 'interval start without zone',
    value: withInterval(1, { start: '2026-11-26T00:30:00', kwh: 0.2 }),
    reason: 'out-of-range',
    message: 'data.intervals[1].start',
  },
  {
    name: 'interval start with +0900',
    value: withInterval(2, { start: '2026-11-26T01:00:00+0900', kwh: 0.2 }),
    reason: 'out-of-range',
    message: 'data.intervals[2].start',
  },
];
