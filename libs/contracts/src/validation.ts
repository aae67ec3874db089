import { isUtf8 } from 'node:buffer';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import {
  EVENT_KINDS,
  EVENT_TYPES,
  MAX_EVENT_BYTES,
  PARTY_SOURCE_PREFIX,
  SUPPLY_POINT_ID_PATTERN,
  type EventKind,
  type InboundEvent,
  type JsonObject,
} from './events';
import { binaryModeEvent, isBinaryMode, type RecordHeaders } from './kafka-binding';
import type { PartyRole, RegistrySnapshot } from './registry';
import type { Rejection, RejectionReason } from './rejections';
import { SUPPLY_POINT_ID_SCHEMA_PATTERN } from './schemas/common';
import { CloudEventEnvelopeSchema, JSON_MEDIA_TYPE_PATTERN } from './schemas/envelope/schema';
import { isCalendarDate, isRfc3339DateTime } from './schemas/formats';
import { DATA_SCHEMAS } from './schemas';

/** One record as read from `kyodo.in.<senderId>`. */
export interface InboundRecordInput {
  readonly value: Buffer | null;
  readonly key: Buffer | null;
  readonly topic: string;
  readonly senderId: string;
  /** The record's headers: `ce_*` headers mark binary content mode (see kafka-binding.ts). */
  readonly headers?: RecordHeaders;
}

/** What could be read from a rejected record, for its audit record. Never a personal field value. */
export interface InboundPartial {
  readonly source?: string;
  readonly id?: string;
  readonly type?: string;
  /** Only a valid RFC 3339 `time`. */
  readonly time?: string;
  /** Only a valid supply point id (22 digits, area 01..10). */
  readonly supplyPointId?: string;
}

export type ParseResult =
  | {
      readonly ok: true;
      readonly event: InboundEvent;
      readonly kind: EventKind;
      readonly supplyPointId: string;
    }
  | { readonly ok: false; readonly rejection: Rejection; readonly partial?: InboundPartial };

interface CompiledSchema {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

interface Validators {
  readonly envelope: CompiledSchema;
  readonly data: Readonly<Record<EventKind, CompiledSchema>>;
}

let validators: Validators | undefined;

function compileValidators(): Validators {
  const ajv = new Ajv({ allErrors: false, messages: false, strict: true, allowUnionTypes: true });
  addFormats(ajv, ['uri-reference']);
  ajv.addFormat('date', { type: 'string', validate: isCalendarDate });
  ajv.addFormat('date-time', { type: 'string', validate: isRfc3339DateTime });
  const data = {} as Record<EventKind, CompiledSchema>;
  for (const kind of EVENT_KINDS) data[kind] = ajv.compile(DATA_SCHEMAS[kind]);
  return { envelope: ajv.compile(CloudEventEnvelopeSchema), data };
}

/** The compiled validators, built on first use and shared by every call after. */
function compiled(): Validators {
  return (validators ??= compileValidators());
}

const KIND_BY_TYPE: ReadonlyMap<string, EventKind> = new Map(
  EVENT_KINDS.map((kind) => [EVENT_TYPES[kind], kind]),
);
const KNOWN_TYPES = EVENT_KINDS.map((kind) => EVENT_TYPES[kind]).join(', ');

/** 22 ASCII digits whose first two, the area, are `01`..`10`. */
export function isSupplyPointId(value: string): boolean {
  if (value.length !== 22) return false;
  for (let i = 0; i < 22; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const tens = value.charCodeAt(0);
  const units = value.charCodeAt(1);
  return tens === 48 ? units !== 48 : tens === 49 && units === 48;
}

/**
 * Validate one inbound record and read it into an event. Pure: no I/O, no registry (see
 * `checkPartyReferences` for that). Checks run in the contract's order and the first failure decides
 * the reason: size, JSON, envelope, type, source, subject, supplyPoint.area, key, data.
 *
 * A rejection message names the offending input by path and may quote only the envelope attributes
 * `specversion`, `type`, `source`, `time` and `datacontenttype` (shortened). It never quotes `id`,
 * `subject` or anything under `data`: those are described by JSON type, and a string by its length.
 */
export function parseInbound(input: InboundRecordInput): ParseResult {
  if (isBinaryMode(input.headers)) return parseBinaryMode(input);
  const { value } = input;
  if (value === null) return reject('unparseable', 'record value is null (a tombstone), not a JSON object');
  if (value.length > MAX_EVENT_BYTES) {
    return reject(
      'too-large',
      `record value is ${value.length} bytes, more than the ${MAX_EVENT_BYTES} allowed`,
    );
  }
  if (!isUtf8(value)) return reject('unparseable', 'record value is not valid UTF-8');

  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    // The engine's message quotes the input, which may be personal data.
    return reject('unparseable', `record value is not valid JSON (${value.length} bytes)`);
  }
  if (!isJsonObject(parsed)) {
    return reject('unparseable', `record value is JSON ${jsonTypeOf(parsed)}, not an object`);
  }
  return checkEvent(parsed, input);
}

/**
 * Binary content mode: the attributes come from `ce_*` headers and `content-type`, the value is `data`
 * alone. The event they make up goes through the very checks a structured one does, so each failure
 * earns the same reason; messages add where the attributes came from.
 */
function parseBinaryMode(input: InboundRecordInput): ParseResult {
  const { value } = input;
  let data: unknown;
  if (value !== null && value.length > 0) {
    if (value.length > MAX_EVENT_BYTES) {
      return reject(
        'too-large',
        `record value is ${value.length} bytes, more than the ${MAX_EVENT_BYTES} allowed`,
      );
    }
    if (!isUtf8(value)) return reject('unparseable', 'record value (binary content mode) is not valid UTF-8');
    try {
      data = JSON.parse(value.toString('utf8'));
    } catch {
      return reject(
        'unparseable',
        `record value (binary content mode) is not valid JSON (${value.length} bytes)`,
      );
    }
  }
  const result = checkEvent(binaryModeEvent(input.headers ?? {}, data), input);
  if (result.ok) return result;
  const { reason, message } = result.rejection;
  const rejection = { reason, message: `${message} (binary content mode: attributes from ce_* headers)` };
  return result.partial === undefined
    ? { ok: false, rejection }
    : { ok: false, rejection, partial: result.partial };
}

/** The checks after parsing, common to both content modes: envelope, type, source, subject, key, data. */
function checkEvent(parsed: JsonObject, input: InboundRecordInput): ParseResult {
  const { envelope: validateEnvelope, data: dataValidators } = compiled();
  if (!validateEnvelope(parsed)) {
    return reject('not-cloudevent', describeError(validateEnvelope.errors, parsed, ''), partialOf(parsed));
  }
  const event = parsed as unknown as InboundEvent;

  const kind = KIND_BY_TYPE.get(event.type);
  if (kind === undefined) {
    return reject('unknown-type', `type ${show(event.type)} is not one of ${KNOWN_TYPES}`, partialOf(event));
  }

  const { senderId } = input;
  const { source } = event;
  if (
    senderId.length === 0 ||
    source.length !== PARTY_SOURCE_PREFIX.length + senderId.length ||
    !source.startsWith(PARTY_SOURCE_PREFIX) ||
    !source.endsWith(senderId)
  ) {
    return reject(
      'source-mismatch',
      `source must be ${show(PARTY_SOURCE_PREFIX + senderId)} on topic ${show(input.topic)}, got ${show(source)}`,
      partialOf(event),
    );
  }

  const { subject } = event;
  if (!isSupplyPointId(subject)) {
    return reject('invalid-supply-point', describeBadSubject(subject), partialOf(event));
  }

  const { data } = event;
  const supplyPoint = kind === 'contract-switch' ? data.supplyPoint : undefined;
  if (isJsonObject(supplyPoint)) {
    const area = supplyPoint.area;
    if (
      typeof area === 'string' &&
      (area.length !== 2 ||
        area.charCodeAt(0) !== subject.charCodeAt(0) ||
        area.charCodeAt(1) !== subject.charCodeAt(1))
    ) {
      return reject(
        'area-mismatch',
        `data.supplyPoint.area disagrees with area ${subject.slice(0, 2)} of the subject`,
        partialOf(event),
      );
    }
  }

  const { key } = input;
  if (key === null) {
    return reject('key-mismatch', 'record key is missing; it must equal subject', partialOf(event));
  }
  if (!keyEquals(key, subject)) {
    return reject(
      'key-mismatch',
      `record key (${key.length} bytes) does not equal subject`,
      partialOf(event),
    );
  }
  if (
    isJsonObject(supplyPoint) &&
    supplyPoint.supplyPointId !== undefined &&
    supplyPoint.supplyPointId !== subject
  ) {
    return reject('key-mismatch', 'data.supplyPoint.supplyPointId does not equal subject', partialOf(event));
  }

  const validateData = dataValidators[kind];
  if (!validateData(data)) {
    const error = validateData.errors?.[0];
    const reason: RejectionReason =
      error !== undefined && OUT_OF_RANGE_KEYWORDS.has(error.keyword) ? 'out-of-range' : 'invalid-data';
    return reject(reason, describeError(validateData.errors, data, 'data'), partialOf(event));
  }

  return { ok: true, event, kind, supplyPointId: subject };
}

/** Which party ids each event type names, and the role each must be registered with. */
const PARTY_REFERENCES: Readonly<Record<EventKind, readonly (readonly [field: string, role: PartyRole])[]>> =
  {
    'contract-switch': [
      ['fromRetailerId', 'retailer'],
      ['toRetailerId', 'retailer'],
    ],
    'meter-reading': [['retailerId', 'retailer']],
    negawatt: [
      ['contractorId', 'aggregator'],
      ['retailerId', 'retailer'],
    ],
  };

/**
 * The registry half of validation, for an event `parseInbound` accepted: every party id in `data`
 * must be registered (`unknown-party`) with the role its field names (`wrong-role`). Like
 * `parseInbound`, the message names the field but never quotes its value.
 */
export function checkPartyReferences(
  kind: EventKind,
  data: JsonObject,
  registry: RegistrySnapshot,
): Rejection | undefined {
  for (const [field, role] of PARTY_REFERENCES[kind]) {
    const id = data[field];
    const party = typeof id === 'string' ? registry.party(id) : undefined;
    if (party === undefined) {
      return {
        reason: 'unknown-party',
        message: `data.${field} does not name a registered party, got ${describeValue(id)}`,
      };
    }
    if (party.role !== role) {
      return {
        reason: 'wrong-role',
        message: `data.${field} names a party registered as ${party.role}, not ${role}`,
      };
    }
  }
  return undefined;
}

function reject(reason: RejectionReason, message: string, partial?: InboundPartial): ParseResult {
  return partial === undefined
    ? { ok: false, rejection: { reason, message } }
    : { ok: false, rejection: { reason, message }, partial };
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `subject` is a valid supply point id here, so comparing bytes with its char codes is exact. */
function keyEquals(key: Buffer, subject: string): boolean {
  if (key.length !== subject.length) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== subject.charCodeAt(i)) return false;
  return true;
}

function describeBadSubject(subject: string): string {
  if (subject.length !== 22)
    return `subject must be a 22-digit supply point id, got ${subject.length} characters`;
  if (!SUPPLY_POINT_ID_PATTERN.test(subject))
    return 'subject must be a 22-digit supply point id, got a non-digit character';
  return `subject area digits must be 01..10, got ${subject.slice(0, 2)}`;
}

/** Audit identity of a rejected record: only values that are safe and short enough to keep. */
function partialOf(event: {
  readonly source?: unknown;
  readonly id?: unknown;
  readonly type?: unknown;
  readonly time?: unknown;
  readonly subject?: unknown;
}): InboundPartial {
  const partial: { -readonly [K in keyof InboundPartial]: InboundPartial[K] } = {};
  const { source, id, type, time, subject } = event;
  if (typeof source === 'string') partial.source = clip(source, MAX_PARTIAL_LENGTH);
  if (typeof id === 'string') partial.id = clip(id, MAX_PARTIAL_LENGTH);
  if (typeof type === 'string') partial.type = clip(type, MAX_PARTIAL_LENGTH);
  if (typeof time === 'string' && isRfc3339DateTime(time)) partial.time = time;
  if (typeof subject === 'string' && isSupplyPointId(subject)) partial.supplyPointId = subject;
  return partial;
}

const MAX_PARTIAL_LENGTH = 256;
/** Longest piece of an input value quoted in a message. */
const MAX_QUOTED_LENGTH = 60;

function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

// Range violations; every other schema failure is a shape error (`invalid-data`). The only formats
// in the data schemas are `date` and `date-time`, so a format failure is a bad date or time.
const OUT_OF_RANGE_KEYWORDS: ReadonlySet<string> = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'maxItems',
  'format',
]);

const PATTERN_NAMES: ReadonlyMap<string, string> = new Map([
  [JSON_MEDIA_TYPE_PATTERN, 'a JSON media type such as application/json'],
  [SUPPLY_POINT_ID_SCHEMA_PATTERN, 'a 22-digit supply point id'],
]);

const FORMAT_NAMES: ReadonlyMap<string, string> = new Map([
  ['date', 'a real calendar date (YYYY-MM-DD)'],
  ['date-time', 'an RFC 3339 date-time with a time zone'],
  ['uri-reference', 'a URI reference'],
]);

/**
 * Envelope attributes whose values a message may quote (shortened to MAX_QUOTED_LENGTH). Every other
 * value is described only by its JSON type (and a string by its length): anything under `data` may be
 * personal (names, meter ids, pole numbers, supply point ids), `subject` is a supply point id, and an
 * `id` often embeds one.
 */
const QUOTABLE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'specversion',
  'type',
  'source',
  'time',
  'datacontenttype',
]);

/** One readable sentence for the first schema error, naming the input by path (`data.intervals[3].kwh`). */
function describeError(errors: ErrorObject[] | null | undefined, root: unknown, prefix: string): string {
  const error = errors?.[0];
  if (error === undefined) return `${prefix || 'the event'} does not match its schema`;
  const segments =
    error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  const path = displayPath(prefix, segments);
  const params = error.params as Record<string, unknown>;
  const value = valueAt(root, segments);
  const quotable = prefix === '' && segments.length === 1 && QUOTABLE_ATTRIBUTES.has(segments[0]);
  const got = quotable ? show(value) : describeValue(value);

  switch (error.keyword) {
    case 'required':
      return `${displayPath(prefix, [...segments, String(params.missingProperty)])} is required`;
    case 'type': {
      const expected = String(params.type).split(',');
      const shown =
        typeof value === 'number' && expected.includes('integer')
          ? 'a number with a fractional part'
          : quotable && (typeof value !== 'object' || value === null)
            ? show(value)
            : describeValue(value);
      return `${path} must be ${expected.map(typeName).join(' or ')}, got ${shown}`;
    }
    case 'const':
      return `${path} must be ${JSON.stringify(params.allowedValue)}, got ${got}`;
    case 'enum':
      return `${path} must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}, got ${got}`;
    case 'minLength':
      return params.limit === 1
        ? `${path} must not be empty`
        : `${path} must be at least ${String(params.limit)} characters long`;
    case 'maxLength':
      return `${path} must be at most ${String(params.limit)} characters long, got ${
        typeof value === 'string' ? characterCount(value) : 'more'
      }`;
    case 'pattern': {
      const pattern = String(params.pattern);
      return `${path} must be ${PATTERN_NAMES.get(pattern) ?? `a string matching ${pattern}`}, got ${got}`;
    }
    case 'format': {
      const format = String(params.format);
      return `${path} must be ${FORMAT_NAMES.get(format) ?? `in format ${format}`}, got ${got}`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${path} must be ${String(params.comparison)} ${String(params.limit)}, got ${
        quotable ? got : 'a number out of that range'
      }`;
    case 'maxItems':
      return `${path} must have at most ${String(params.limit)} items, got ${
        Array.isArray(value) ? value.length : 'more'
      }`;
    default:
      return `${path} is invalid (${error.keyword})`;
  }
}

/** A JSON Schema type name with its article: `a string`, `an integer`, `null`. */
function typeName(type: string): string {
  return type === 'null' ? 'null' : /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function unescapePointer(segment: string): string {
  return segment.indexOf('~') === -1 ? segment : segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

const INDEX_SEGMENT = /^\d+$/;
const NAME_SEGMENT = /^[A-Za-z_$][\w$]*$/;

function displayPath(prefix: string, segments: readonly string[]): string {
  let path = prefix;
  for (const segment of segments) {
    if (INDEX_SEGMENT.test(segment)) path += `[${segment}]`;
    else if (NAME_SEGMENT.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(clip(segment, MAX_QUOTED_LENGTH))}]`;
  }
  return path === '' ? 'the event' : path;
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * An input value described without quoting any of it: its JSON type, and for a string its length
 * (`a string of 12 characters`). For values that may be personal.
 */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return value.length === 0 ? 'an empty string' : `a string of ${characterCount(value)}`;
  return typeName(jsonTypeOf(value));
}

/** `1 character`, `12 characters`, counting Unicode code points (as JSON Schema's length limits do). */
function characterCount(value: string): string {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count === 1 ? '1 character' : `${count} characters`;
}

/**
 * A short rendering of a quotable envelope attribute for a message: never more than MAX_QUOTED_LENGTH
 * characters of it. Not for `id`, `subject` or `data` values (see `describeValue`).
 */
function show(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > MAX_QUOTED_LENGTH
      ? `${JSON.stringify(value.slice(0, MAX_QUOTED_LENGTH))}... (${value.length} characters)`
      : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return describeValue(value);
}
