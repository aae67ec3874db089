/**
 * Strict checks for the contract's two date formats. They back the `date` and `date-time` formats of
 * the compiled validators: ajv-formats' own `date-time` also accepts offsets such as `+0900` and
 * `+09`, which RFC 3339 does not, and it splits the string and runs capturing regexes per value,
 * which shows when a meter reading carries 48 timestamps. Here one non-capturing pattern checks the
 * shape and the field ranges; code runs only for days 29..31 and for leap seconds.
 */

const DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;
const DATE_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[Tt](?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The number spelled by `length` ASCII digits at `start` (already known to be digits). */
function digitsAt(value: string, start: number, length: number): number {
  let result = 0;
  for (let i = start; i < start + length; i++) result = result * 10 + value.charCodeAt(i) - 48;
  return result;
}

/** Whether the day of a shape-checked `YYYY-MM-DD…` exists in its month. */
function dayExists(value: string): boolean {
  const tens = value.charCodeAt(8);
  if (tens < 50 || (tens === 50 && value.charCodeAt(9) < 57)) return true;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  return digitsAt(value, 8, 2) <= (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month]);
}

/** A shape-checked date-time with second `60`: valid only if it is 23:59:60 in UTC. */
function isLeapSecond(value: string): boolean {
  let zone = 19;
  if (value.charCodeAt(zone) === 46) {
    zone++;
    while (zone < value.length && value.charCodeAt(zone) >= 48 && value.charCodeAt(zone) <= 57) zone++;
  }
  const sign = value.charCodeAt(zone);
  const offset =
    sign === 43 || sign === 45
      ? (digitsAt(value, zone + 1, 2) * 60 + digitsAt(value, zone + 4, 2)) * (sign === 43 ? 1 : -1)
      : 0;
  const localMinute = digitsAt(value, 11, 2) * 60 + digitsAt(value, 14, 2);
  return (((localMinute - offset) % 1440) + 1440) % 1440 === 23 * 60 + 59;
}

/** A real calendar date written `YYYY-MM-DD` (RFC 3339 full-date): `2028-02-29` yes, `2026-02-30` no. */
export function isCalendarDate(value: string): boolean {
  return DATE.test(value) && dayExists(value);
}

/**
 * An RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, `T` and `Z` in either case.
 * The time zone is required; the date must exist; a leap second (`:60`) only at 23:59 UTC.
 */
export function isRfc3339DateTime(value: string): boolean {
  return DATE_TIME.test(value) && dayExists(value) && (value.charCodeAt(17) !== 54 || isLeapSecond(value));
}
