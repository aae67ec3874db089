import { InvalidArgumentError } from 'commander';
import type { DataSource } from 'typeorm';
import { redactUrl } from '@kyodo/infra';
import { createDataSource, runMigrations } from '@kyodo/persistence';
import { PARTY_ID, SUPPLY_POINT_ID } from '../../api/src/disclosures/disclosures.service';
import { isTimeBound, type TimeEdge } from '../../api/src/time-bounds';

// What the commands share: opening the database, parsing arguments, wording errors and counts.

/** A database URL fit to print: its password, if any, replaced by `***`. */
export { redactUrl };

/** What the commands need from the CLI context. */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly progress: (line: string) => void;
}

/**
 * Opens and migrates the database for one command; undefined (having said why) when it cannot be
 * reached. Destroy the result when done.
 */
export async function openDatabase(databaseUrl: string, io: CommandIo): Promise<DataSource | undefined> {
  const ds = createDataSource(databaseUrl, { poolSize: 2, applicationName: 'kyodo-cli' });
  try {
    await ds.initialize();
  } catch (error) {
    io.progress(`kyodo: cannot reach PostgreSQL at ${redactUrl(databaseUrl)}: ${messageOf(error)}`);
    return undefined;
  }
  try {
    await runMigrations(ds);
    return ds;
  } catch (error) {
    await ds.destroy();
    throw error;
  }
}

export function timeBoundArgument(edge: TimeEdge): (value: string) => string {
  return (value) => {
    if (!isTimeBound(value)) {
      throw new InvalidArgumentError(
        `--${edge} must be an RFC 3339 date-time with a time zone (2026-11-27T05:00:00Z) or a YYYY-MM-DD date (a day in Japan).`,
      );
    }
    return value;
  };
}

export function supplyPointArgument(value: string): string {
  if (!SUPPLY_POINT_ID.test(value)) {
    throw new InvalidArgumentError('A supply point id is 22 digits, the first two an area 01..10.');
  }
  return value;
}

export function partyIdArgument(value: string): string {
  if (!PARTY_ID.test(value))
    throw new InvalidArgumentError('A party id matches ^[A-Z][A-Z0-9]{1,15}$, such as TD03.');
  return value;
}

export function partitionArgument(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('A partition is a non-negative integer.');
  return Number(value);
}

/** The message of anything thrown (an Error, or an object with a string `message`), else its string form. */
export function messageOf(error: unknown): string {
  if (
    typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string'
  ) {
    return error.message;
  }
  return String(error);
}

export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
