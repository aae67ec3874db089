import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, DateTime, NonEmptyString } from '../common';

/** At most this many intervals in one reading (a day of 30-minute intervals is 48). */
export const MAX_INTERVALS = 50;

export const IntervalSchema = Type.Object({
  start: DateTime({ description: 'Start of the interval (RFC 3339).' }),
  kwh: Type.Number({ minimum: 0, description: 'Energy in the interval, kWh.' }),
});

/** `jp.kyodo.meter-reading.v1`: one supply point, one day of intervals. */
export const MeterReadingDataSchema = Type.Object(
  {
    retailerId: NonEmptyString({ description: 'The contract retailer; a registered retailer.' }),
    meterId: Type.Optional(Type.String()),
    readingDate: CalendarDate(),
    intervalMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
    intervals: Type.Array(IntervalSchema, { maxItems: MAX_INTERVALS }),
    totalKwh: Type.Number({ minimum: 0 }),
    customer: Type.Optional(Type.Object({ contractNumber: Type.Optional(Type.String()) })),
  },
  { description: 'One supply point, one day of 30-minute intervals.' },
);

export type Interval = Static<typeof IntervalSchema>;
export type MeterReadingData = Static<typeof MeterReadingDataSchema>;
