import type { DeadLetter } from '@kyodo/routing';

/** A dead letter as read back from the dead-letter topic, with the name operators use for it. */
export interface StoredDeadLetter {
  /** `<partition>-<offset>` on the dead-letter topic: stable for the letter's life. */
  readonly id: string;
  readonly partition: number;
  readonly offset: string;
  /** Kafka timestamp (ms) of the dead-letter record. */
  readonly timestamp: number;
  readonly letter: DeadLetter;
}

const MASK = '•••';

/** Values shown in clear: party ids, phases, dates, counts and ids that name no person or place. */
const CLEAR_DATA_FIELDS = new Set([
  'switchId',
  'phase',
  'fromRetailerId',
  'toRetailerId',
  'effectiveDate',
  'lastResortSupply',
  'retailerId',
  'readingDate',
  'intervalMinutes',
  'contractorId',
  'dispatchId',
  'date',
]);
const CLEAR_ENVELOPE_FIELDS = new Set(['specversion', 'id', 'source', 'type', 'time', 'datacontenttype']);

/** Reads a dead-letter record's value; undefined when it is not one Kyodo wrote. */
export function parseDeadLetter(value: Buffer | null): DeadLetter | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<DeadLetter>;
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      typeof parsed.reason !== 'string' ||
      typeof parsed.topic !== 'string' ||
      typeof parsed.partition !== 'number' ||
      typeof parsed.offset !== 'string' ||
      (parsed.valueEncoding !== 'utf8' && parsed.valueEncoding !== 'base64')
    ) {
      return undefined;
    }
    return parsed as DeadLetter;
  } catch {
    return undefined;
  }
}

/** The original record's bytes, as the inbox received them. */
export function originalBytes(letter: DeadLetter): Buffer | null {
  if (letter.value === null) return null;
  return Buffer.from(letter.value, letter.valueEncoding === 'base64' ? 'base64' : 'utf8');
}

/**
 * The original value with every personal value masked: the envelope's attributes but `subject` in
 * clear, `data` with its shape kept and only party ids, phases, dates and dispatch ids in clear.
 * A value that is not a JSON object shows only its size.
 */
export function maskedOriginal(letter: DeadLetter): unknown {
  const bytes = originalBytes(letter);
  if (bytes === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return `${MASK} (${bytes.length} bytes, not JSON)`;
  }
  if (!isObject(parsed)) return `${MASK} (${bytes.length} bytes, JSON but not an object)`;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'data') out.data = maskData(value);
    else if (CLEAR_ENVELOPE_FIELDS.has(key) && (typeof value === 'string' || typeof value === 'number'))
      out[key] = value;
    else out[key] = maskValue(value);
  }
  return out;
}

function maskData(value: unknown): unknown {
  if (!isObject(value)) return maskValue(value);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      CLEAR_DATA_FIELDS.has(key) && (typeof inner !== 'object' || inner === null) ? inner : maskValue(inner);
  }
  return out;
}

/** Keeps the shape (object keys, list lengths) and hides every leaf. */
function maskValue(value: unknown): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) return `${MASK} (a list of ${value.length})`;
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = maskValue(inner);
    return out;
  }
  return MASK;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
