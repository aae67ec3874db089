import { createHash } from 'node:crypto';
import type { AuditRecord } from './record';

/** An audit record that cannot be chained or stored as given. Not retriable: the input must change. */
export class AuditRecordError extends Error {
  override readonly name = 'AuditRecordError';
  readonly retriable = false;
}

type FieldKind = 'text' | 'nullable-text' | 'int' | 'text-list';

/** Fields added after the first rows were chained: encoded only when present (see canonicalEncoding). */
type OptionalField = 'basis';

/**
 * Every required AuditRecord field, in encoding order. A required field added to AuditRecord must be
 * added here, which changes the encoding: bump ENCODING_VERSION and keep verifying older rows with the
 * old one. An optional field goes into OPTIONAL_FIELD_KINDS instead, which leaves older rows' encoding
 * as it was.
 */
const FIELD_KINDS = {
  id: 'text',
  time: 'text',
  eventTime: 'nullable-text',
  inboundTopic: 'text',
  inboundPartition: 'int',
  inboundOffset: 'text',
  inboundSource: 'nullable-text',
  inboundId: 'nullable-text',
  type: 'nullable-text',
  supplyPointHmac: 'nullable-text',
  recipientId: 'nullable-text',
  recipientRole: 'nullable-text',
  relations: 'text-list',
  purposes: 'text-list',
  fieldsDelivered: 'text-list',
  fieldsWithheld: 'text-list',
  policyVersion: 'text',
  outcome: 'text',
  reason: 'nullable-text',
  outboundId: 'nullable-text',
} as const satisfies Record<Exclude<keyof AuditRecord, OptionalField>, FieldKind>;

/** Optional fields, in encoding order; each follows the required ones as a name, value pair when present. */
const OPTIONAL_FIELD_KINDS = {
  basis: 'text-list',
} as const satisfies Record<OptionalField, FieldKind>;

export const AUDIT_RECORD_FIELDS = Object.keys(FIELD_KINDS) as readonly Exclude<
  keyof AuditRecord,
  OptionalField
>[];
export const OPTIONAL_AUDIT_RECORD_FIELDS = Object.keys(OPTIONAL_FIELD_KINDS) as readonly OptionalField[];

export const ENCODING_VERSION = 'kyodo-audit-v1';

/**
 * The bytes a row's hash is taken over: a JSON array, no whitespace, of
 *
 *   [ENCODING_VERSION, chainPartition, chainOffset, prevHash,
 *    id, time, eventTime, inboundTopic, inboundPartition, inboundOffset, inboundSource, inboundId,
 *    type, supplyPointHmac, recipientId, recipientRole, relations, purposes, fieldsDelivered,
 *    fieldsWithheld, policyVersion, outcome, reason, outboundId]
 *
 * then, for each optional field that is present (not undefined), in OPTIONAL_AUDIT_RECORD_FIELDS
 * order, its name and its value (`"basis", [...]`). A record without optional fields encodes exactly as
 * before they existed, so rows chained earlier still verify.
 *
 * Strings are JSON strings, integers JSON numbers, absent values `null`, lists JSON arrays of strings
 * in the order given (order is meaningful and never sorted). A JSON array of scalars and arrays parses
 * back to exactly one value, and the required fields are a fixed number, so two rows that differ in
 * any field (or in having an optional one) encode differently. Values are
 * encoded as given: normalise with `normalizeAuditRecord` first so they read back from the database
 * unchanged.
 */
export function canonicalEncoding(
  record: AuditRecord,
  chainPartition: number,
  chainOffset: string,
  prevHash: string,
): string {
  const values: unknown[] = [
    ENCODING_VERSION,
    checkInt('chainPartition', chainPartition),
    checkText('chainOffset', chainOffset),
    checkText('prevHash', prevHash),
  ];
  for (const field of AUDIT_RECORD_FIELDS) values.push(checkField(field, record[field]));
  for (const field of OPTIONAL_AUDIT_RECORD_FIELDS) {
    const value = record[field];
    if (value !== undefined && value !== null) values.push(field, checkField(field, value));
  }
  return JSON.stringify(values);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The hash of one chained row: SHA-256 (hex) of its canonical encoding. */
export function auditRowHash(
  record: AuditRecord,
  chainPartition: number,
  chainOffset: string,
  prevHash: string,
): string {
  return sha256Hex(canonicalEncoding(record, chainPartition, chainOffset, prevHash));
}

function checkField(field: keyof AuditRecord, value: unknown): unknown {
  const kind: FieldKind =
    field in OPTIONAL_FIELD_KINDS
      ? OPTIONAL_FIELD_KINDS[field as OptionalField]
      : FIELD_KINDS[field as Exclude<keyof AuditRecord, OptionalField>];
  switch (kind) {
    case 'text':
      return checkText(field, value);
    case 'nullable-text':
      return value === null ? null : checkText(field, value);
    case 'int':
      return checkInt(field, value);
    case 'text-list':
      if (!Array.isArray(value)) throw new AuditRecordError(`${field} must be a list of strings`);
      return value.map((item, i) => checkText(`${field}[${i}]`, item));
  }
}

function checkText(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new AuditRecordError(`${field} must be a string, got ${typeof value}`);
  return value;
}

function checkInt(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new AuditRecordError(`${field} must be an integer, got ${String(value)}`);
  }
  return value;
}

const MAX_INT32 = 2 ** 31 - 1;
const MAX_INT64 = 2n ** 63n - 1n;
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 instant in the one form the database gives back: UTC, `Z`, milliseconds, and three more
 * digits only when there are microseconds (PostgreSQL keeps microseconds; finer digits are dropped).
 */
export function canonicalInstant(value: string): string {
  // Fast path: already what Date#toISOString writes (what the gateway's clock produces).
  if (value.length === 24 && ISO_MILLIS.test(value) && !value.startsWith('0000')) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && new Date(ms).toISOString() === value) return value;
  }
  const m = INSTANT.exec(value);
  if (!m) throw new AuditRecordError(`${JSON.stringify(value)} is not an RFC 3339 instant`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  const zone = m[8];
  // Date.UTC would read years 0..99 as 1900..1999.
  const check = new Date(0);
  check.setUTCFullYear(year, month - 1, day);
  check.setUTCHours(hour, minute, second, 0);
  const local = check.getTime();
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    throw new AuditRecordError(`${JSON.stringify(value)} is not a valid date and time`);
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const micros = Number(fraction);
  const utc = new Date(local - offsetMinutes * 60_000 + Math.floor(micros / 1000));
  const iso = utc.toISOString();
  if (!/^\d{4}-/.test(iso) || utc.getUTCFullYear() < 1) {
    throw new AuditRecordError(`${JSON.stringify(value)} is outside the years 0001..9999`);
  }
  const sub = micros % 1000;
  return sub === 0 ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

/**
 * A copy of `record` holding exactly the AuditRecord fields, in the form PostgreSQL stores and
 * returns unchanged: `time` canonical (see `canonicalInstant`), offsets as plain decimals, and text
 * free of NUL and unpaired surrogates (PostgreSQL cannot store the first and would alter the second),
 * each replaced by U+FFFD. Throws AuditRecordError when a field has the wrong type or range.
 */
export function normalizeAuditRecord(record: AuditRecord): AuditRecord {
  const out: Record<string, unknown> = {};
  for (const field of AUDIT_RECORD_FIELDS) {
    const value = checkField(field, (record as unknown as Record<string, unknown>)[field]);
    out[field] = cleanValue(value);
  }
  for (const field of OPTIONAL_AUDIT_RECORD_FIELDS) {
    const value = (record as unknown as Record<string, unknown>)[field];
    // null (a database column with no value) means absent, as undefined does.
    if (value !== undefined && value !== null) out[field] = cleanValue(checkField(field, value));
  }
  out.time = canonicalInstant(out.time as string);
  out.inboundPartition = canonicalPartition('inboundPartition', out.inboundPartition as number);
  out.inboundOffset = canonicalOffset('inboundOffset', out.inboundOffset as string);
  return out as unknown as AuditRecord;
}

export function canonicalPartition(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_INT32) {
    throw new AuditRecordError(`${field} must be an integer in 0..${MAX_INT32}, got ${String(value)}`);
  }
  return value;
}

/** A Kafka offset as a plain decimal string (no sign, no leading zeros). */
export function canonicalOffset(field: string, value: string): string {
  if (typeof value !== 'string' || !/^\d{1,19}$/.test(value) || BigInt(value) > MAX_INT64) {
    throw new AuditRecordError(
      `${field} must be a non-negative 64-bit integer, got ${JSON.stringify(value)}`,
    );
  }
  return BigInt(value).toString();
}

// Unpaired surrogates and NUL, matched code unit by code unit.
// eslint-disable-next-line no-control-regex -- NUL is one of the characters to replace
const UNSTORABLE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;
// eslint-disable-next-line no-control-regex -- as above
const HAS_UNSTORABLE = /[\uD800-\uDFFF\u0000]/;

function cleanValue(value: unknown): unknown {
  if (typeof value === 'string')
    return HAS_UNSTORABLE.test(value) ? value.replace(UNSTORABLE, '\uFFFD') : value;
  if (Array.isArray(value)) return value.map((item) => cleanValue(item));
  return value;
}
