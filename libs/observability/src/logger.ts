import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names that hold personal data wherever they appear in a log object (to a depth of four):
 * the contract's customer fields, supply point ids (also as an event's `subject`) and meter ids.
 * A value logged under one of them is replaced by `[redacted]`.
 */
export const PERSONAL_FIELD_NAMES = [
  'supplyPointId',
  'subject',
  'address',
  'phone',
  'contractNumber',
  'meterId',
  'leadInPoleNumber',
] as const;

/**
 * Keys personal only under their parent (`customer.name`, not a logger's or an error's `name`), and
 * what a PostgreSQL error carries besides its message: `detail` quotes the offending row, TypeORM's
 * `parameters` the values bound to the query.
 */
const PERSONAL_PATHS = [
  'customer.name',
  'customer',
  'err.detail',
  'err.parameters',
  'err.driverError.detail',
  'err.driverError.parameters',
  'err.cause.detail',
  'err.cause.parameters',
] as const;

const WILDCARDS = ['', '*.', '*.*.', '*.*.*.'];

/** The redaction paths the logger applies: every personal field name at every depth up to four. */
export const REDACTED_PATHS: readonly string[] = [
  ...PERSONAL_FIELD_NAMES.flatMap((name) => WILDCARDS.map((prefix) => `${prefix}${name}`)),
  ...PERSONAL_PATHS.flatMap((path) => WILDCARDS.map((prefix) => `${prefix}${path}`)),
];

/**
 * Structured JSON logs on stdout (one object per line), the shape log shippers expect.
 * Never log record values: they carry personal data. Log coordinates (topic, partition, offset) and ids.
 * As a second line of defence, known personal field names are redacted wherever they appear.
 */
export function createLogger(
  level = 'info',
  options: LoggerOptions = {},
  destination?: DestinationStream,
): Logger {
  const settings: LoggerOptions = {
    level,
    base: { service: 'kyodo' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}
