import { isCalendarDate, isRfc3339DateTime } from './formats';

describe('isCalendarDate', () => {
  it.each([
    ['2026-11-26', true],
    ['2026-01-31', true],
    ['2026-04-30', true],
    ['2028-02-29', true], // leap year
    ['2000-02-29', true], // divisible by 400
    ['2026-02-28', true],
    ['0000-01-01', true],
    ['9999-12-31', true],
    ['2026-02-29', false], // common year
    ['1900-02-29', false], // divisible by 100, not 400
    ['2026-02-30', false],
    ['2026-04-31', false],
    ['2026-11-31', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-01-00', false],
    ['2026-01-32', false],
    ['2026-1-01', false],
    ['2026/11/26', false],
    ['26-11-2026', false],
    ['20261126', false],
    ['2026-11-26T00:00:00Z', false],
    [' 2026-11-26', false],
    ['２０２６-１１-２６', false], // full-width digits
    ['', false],
  ])('%j → %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });
});

describe('isRfc3339DateTime', () => {
  it.each([
    ['2026-11-27T05:00:00Z', true],
    ['2026-11-26T00:00:00+09:00', true],
    ['2026-11-26T23:30:00-03:30', true],
    ['2026-11-26T23:30:00.123456+09:00', true],
    ['2026-11-26t05:00:00z', true], // RFC 3339 allows lower case
    ['2028-02-29T12:00:00Z', true],
    ['2026-12-31T23:59:60Z', true], // leap second at 23:59 UTC
    ['2027-01-01T08:59:60+09:00', true], // the same leap second in JST
    ['2026-11-26T12:00:60Z', false], // leap second at another minute
    ['2026-11-26T24:00:00+09:00', false],
    ['2026-11-26T23:60:00+09:00', false],
    ['2026-11-26T23:59:61Z', false],
    ['2026-02-30T00:00:00Z', false],
    ['2026-11-26T00:00:00', false], // no time zone
    ['2026-11-26T00:00:00+0900', false], // offset without colon
    ['2026-11-26T00:00:00+09', false],
    ['2026-11-26T00:00:00+24:00', false],
    ['2026-11-26T00:00:00+09:60', false],
    ['2026-11-26 00:00:00Z', false],
    ['2026-11-26T00:00Z', false],
    ['2026-11-26T00:00:00.Z', false],
    ['2026-11-26', false],
    ['2026-11-26T00:00:00Z ', false],
    ['', false],
  ])('%j → %s', (value, expected) => {
    expect(isRfc3339DateTime(value)).toBe(expected);
  });
});
