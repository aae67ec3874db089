import { canonicalInstant } from '@kyodo/audit';
import { isCalendarDate, isRfc3339DateTime } from '@kyodo/contracts';
import { ApiInputError } from './errors';

/**
 * Time bounds of the query endpoints and commands: an RFC 3339 instant, or a `YYYY-MM-DD` date.
 * A date is a calendar day in Japan (UTC+09:00, no daylight saving), the day the customers and
 * operators reckon in; `from` starts at its first instant, and `to` includes the whole day. Instants
 * are taken as given, `to` exclusive.
 */
export const DATE_ZONE = '+09:00';

export type TimeEdge = 'from' | 'to';

export interface TimeWindow {
  /** Canonical UTC instants (see canonicalInstant); `to` is exclusive. */
  readonly from?: string;
  readonly to?: string;
}

export function isTimeBound(value: unknown): value is string {
  return typeof value === 'string' && (isRfc3339DateTime(value) || isCalendarDate(value));
}

/** The instant a bound stands for. */
export function resolveTimeBound(value: string, edge: TimeEdge): string {
  if (isRfc3339DateTime(value)) {
    try {
      return canonicalInstant(value);
    } catch {
      throw new ApiInputError(`${edge} ${JSON.stringify(value)} is outside the years 0001..9999`);
    }
  }
  if (!isCalendarDate(value)) {
    throw new ApiInputError(
      `${edge} must be an RFC 3339 date-time or a YYYY-MM-DD date, got ${JSON.stringify(value)}`,
    );
  }
  const day = edge === 'from' ? value : nextDay(value);
  try {
    return canonicalInstant(`${day}T00:00:00${DATE_ZONE}`);
  } catch {
    throw new ApiInputError(`${edge} ${JSON.stringify(value)} is outside the years 0001..9999`);
  }
}

/** Both bounds resolved; refuses a window that ends before it starts. */
export function resolveWindow(from: string | undefined, to: string | undefined): TimeWindow {
  const window = {
    from: from === undefined ? undefined : resolveTimeBound(from, 'from'),
    to: to === undefined ? undefined : resolveTimeBound(to, 'to'),
  };
  if (
    window.from !== undefined &&
    window.to !== undefined &&
    Date.parse(window.from) >= Date.parse(window.to)
  ) {
    throw new ApiInputError(`to must be later than from (from ${from}, to ${to})`);
  }
  return window;
}

function nextDay(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  const next = new Date(0);
  next.setUTCFullYear(year, month - 1, day + 1);
  return next.toISOString().slice(0, 10);
}
