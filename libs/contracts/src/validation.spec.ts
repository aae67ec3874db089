import fc from 'fast-check';
import { EVENT_KINDS, MAX_EVENT_BYTES, type EventKind, type InboundEvent, type JsonObject } from './events';
import { FIELD_CATALOGUE } from './fields';
import { RegistrySnapshot } from './registry';
import type { RejectionReason } from './rejections';
import { REJECTION_REASONS } from './rejections';
import { DATA_SCHEMAS, MAX_EVENT_ID_LENGTH, MAX_EVENT_SOURCE_LENGTH, type InvalidFixture } from './schemas';
import {
  deepMerge,
  factory,
  inboundRecord,
  supplyPointId,
  invalidContractSwitchData,
  invalidEnvelopes,
  invalidMeterReadingData,
  invalidNegawattData,
  toRecordValue,
  validCancelledContractSwitchEvent,
  validContractSwitchEvent,
  validEnvelope,
  validMeterReadingEvent,
  validNegawattEvent,
} from './testing';
import {
  checkPartyReferences,
  isSupplyPointId,
  parseInbound,
  type InboundRecordInput,
  type ParseResult,
} from './validation';

const SPID = supplyPointId('03', 1);

function rejection(result: ParseResult): { reason: RejectionReason; message: string } {
  if (result.ok) throw new Error(`expected a rejection, got an accepted ${result.kind} event`);
  return result.rejection;
}

function rawRecord(
  value: Buffer | string | null,
  overrides: Partial<InboundRecordInput> = {},
): InboundRecordInput {
  return {
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
    key: Buffer.from(SPID),
    topic: 'kyodo.in.R0001',
    senderId: 'R0001',
    ...overrides,
  };
}

/** A copy of `event` with `patch` deep-merged into it (`undefined` removes a member). */
function patched(event: InboundEvent, patch: JsonObject): JsonObject {
  return deepMerge(event as unknown as JsonObject, patch);
}

/** A valid event whose JSON is exactly `bytes` long, padded with an unknown extension attribute. */
function eventOfSize(bytes: number): Buffer {
  const base = factory.meterReading({ seed: 1, envelope: { kyodopadding: '' } });
  const padding = bytes - toRecordValue(base).length;
  const value = toRecordValue(patched(base, { kyodopadding: 'x'.repeat(padding) }));
  expect(value.length).toBe(bytes);
  return value;
}

describe('parseInbound accepts', () => {
  it.each<[string, InboundEvent]>([
    ['the envelope fixture', validEnvelope],
    ['the contract-switch fixture', validContractSwitchEvent],
    ['the meter-reading fixture', validMeterReadingEvent],
    ['the negawatt fixture', validNegawattEvent],
    ['a factory contract switch', factory.contractSwitch()],
    ['a factory meter reading', factory.meterReading()],
    ['a factory negawatt dispatch', factory.negawatt()],
    ['every area', factory.meterReading({ area: '10' })],
    ['area 01', factory.negawatt({ area: '01' })],
    ['exactly 50 intervals', factory.meterReading({ intervals: 50 })],
    ['no intervals', factory.meterReading({ intervals: 0 })],
    [
      'kwh 0 and totalKwh 0',
      factory.meterReading({ intervals: [{ start: '2026-11-26T00:00:00+09:00', kwh: 0 }] }),
    ],
    ['a leap day', factory.meterReading({ readingDate: '2028-02-29' })],
    ['15-minute intervals', factory.meterReading({ intervalMinutes: 15, intervals: 50 })],
    ['no datacontenttype', factory.negawatt({ envelope: { datacontenttype: undefined } })],
    [
      'a +json datacontenttype',
      factory.negawatt({ envelope: { datacontenttype: 'application/cloudevents+json' } }),
    ],
    ['a time with fraction and negative offset', factory.negawatt({ time: '2026-11-26T05:05:00.5-05:00' })],
    [
      'a decommissioningMethod string',
      factory.contractSwitch({ supplyPoint: { decommissioningMethod: '撤去' } }),
    ],
    [
      'a remote island on last-resort supply',
      factory.contractSwitch({ remoteIsland: true, lastResortSupply: true }),
    ],
    [
      'a minimal contract switch',
      {
        ...validContractSwitchEvent,
        data: {
          switchId: 'SW-1',
          phase: 'cancelled',
          fromRetailerId: 'R0001',
          toRetailerId: 'R0002',
          effectiveDate: '2026-12-01',
          supplyPoint: { supplyPointId: validContractSwitchEvent.subject },
        },
      },
    ],
    ['a contract switch without supplyPoint', factory.contractSwitch({ data: { supplyPoint: undefined } })],
    [
      'the cancelled contract-switch fixture (no supplyPoint, no customer)',
      validCancelledContractSwitchEvent,
    ],
    [`an id of ${MAX_EVENT_ID_LENGTH} characters`, factory.negawatt({ id: 'i'.repeat(MAX_EVENT_ID_LENGTH) })],
    [
      `an id of ${MAX_EVENT_ID_LENGTH} characters outside the BMP`,
      factory.negawatt({ id: '𝟘'.repeat(MAX_EVENT_ID_LENGTH) }),
    ],
    [
      `a source of ${MAX_EVENT_SOURCE_LENGTH} characters`,
      factory.negawatt({ source: `urn:kyodo:party:${'D'.repeat(MAX_EVENT_SOURCE_LENGTH - 16)}` }),
    ],
    ['a minimal meter reading', factory.meterReading({ data: { meterId: undefined, customer: undefined } })],
    ['a minimal negawatt dispatch', factory.negawatt({ data: { negawatt: undefined } })],
    [
      'free inner shapes of negawatt items',
      factory.negawatt({ negawatt: { baseline: [1, 'two', null], demandControl: {} } }),
    ],
    [
      'unknown fields at every depth',
      factory.contractSwitch({
        envelope: { kyodotrace: 'abc', dataschema: 'urn:x', nested: { deep: [1, { deeper: true }] } },
        data: {
          unknownTop: { a: 1 },
          customer: { kana: 'ヤマダ ハナコ', email: 'hanako@example.jp' },
          supplyPoint: { newField: 1, meter: { firmware: '2.1', extra: { deep: null } } },
        },
      }),
    ],
    [
      'unknown fields inside intervals',
      factory.meterReading({
        data: { intervals: [{ start: '2026-11-26T00:00:00+09:00', kwh: 0.2, quality: 'A' }] },
      }),
    ],
  ])('%s', (_name, event) => {
    const result = parseInbound(inboundRecord(event));
    expect(result).toEqual({
      ok: true,
      event,
      kind: expect.any(String) as unknown,
      supplyPointId: event.subject,
    });
  });

  it('returns the kind and the supply point id', () => {
    const event = factory.meterReading({ area: '06', seed: 77 });
    const result = parseInbound(inboundRecord(event));
    expect(result.ok && result.kind).toBe('meter-reading');
    expect(result.ok && result.supplyPointId).toBe('0600000000000000000077');
  });

  it('keeps unknown fields in the returned event (the policy withholds them)', () => {
    const event = factory.meterReading({ data: { secret: { x: 1 } } });
    const result = parseInbound(inboundRecord(event));
    expect(result.ok && result.event.data.secret).toEqual({ x: 1 });
  });

  it('accepts a value of exactly 1 MiB', () => {
    expect(
      parseInbound(rawRecord(eventOfSize(MAX_EVENT_BYTES), { topic: 'kyodo.in.TD03', senderId: 'TD03' })).ok,
    ).toBe(true);
  });
});

interface RejectCase {
  readonly name: string;
  readonly record: () => InboundRecordInput;
  readonly reason: RejectionReason;
  /** A fragment the message must contain. */
  readonly message?: string;
}

const tooLarge: RejectCase[] = [
  {
    name: '1 MiB + 1 byte of valid JSON',
    record: () => rawRecord(eventOfSize(MAX_EVENT_BYTES + 1), { topic: 'kyodo.in.TD03', senderId: 'TD03' }),
    reason: 'too-large',
    message: `record value is ${MAX_EVENT_BYTES + 1} bytes, more than the ${MAX_EVENT_BYTES} allowed`,
  },
  {
    name: '2 MiB of garbage',
    record: () => rawRecord(Buffer.alloc(2 * MAX_EVENT_BYTES, 0x7b)),
    reason: 'too-large',
  },
];

const unparseable: RejectCase[] = [
  { name: 'a null value (tombstone)', record: () => rawRecord(null), reason: 'unparseable', message: 'null' },
  { name: 'an empty value', record: () => rawRecord(''), reason: 'unparseable', message: 'not valid JSON' },
  {
    name: 'plain text',
    record: () => rawRecord('hello 山田 花子'),
    reason: 'unparseable',
    message: 'not valid JSON',
  },
  { name: 'truncated JSON', record: () => rawRecord('{"specversion":"1.0","id":'), reason: 'unparseable' },
  {
    name: 'a JSON array',
    record: () => rawRecord('[{"specversion":"1.0"}]'),
    reason: 'unparseable',
    message: 'JSON array, not an object',
  },
  { name: 'JSON null', record: () => rawRecord('null'), reason: 'unparseable', message: 'JSON null' },
  { name: 'a JSON number', record: () => rawRecord('42'), reason: 'unparseable', message: 'JSON number' },
  { name: 'a JSON string', record: () => rawRecord('"{}"'), reason: 'unparseable', message: 'JSON string' },
  { name: 'a JSON boolean', record: () => rawRecord('true'), reason: 'unparseable' },
  {
    name: 'invalid UTF-8',
    record: () =>
      rawRecord(Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
    reason: 'unparseable',
    message: 'UTF-8',
  },
  {
    name: 'a byte order mark',
    record: () => rawRecord(`\ufeff${JSON.stringify(validEnvelope)}`),
    reason: 'unparseable',
  },
];

const notCloudEvent: RejectCase[] = [
  {
    name: 'an empty object',
    record: () => rawRecord('{}'),
    reason: 'not-cloudevent',
    message: 'is required',
  },
  {
    name: 'a plain data object',
    record: () => rawRecord(JSON.stringify(validMeterReadingEvent.data)),
    reason: 'not-cloudevent',
  },
];

const unknownType: RejectCase[] = [
  {
    name: 'an unknown type',
    record: () => inboundRecord(patched(validNegawattEvent, { type: 'jp.kyodo.billing.v1' })),
    reason: 'unknown-type',
    message: 'type "jp.kyodo.billing.v1" is not one of jp.kyodo.contract-switch.v1',
  },
  {
    name: 'a future version',
    record: () => inboundRecord(patched(validNegawattEvent, { type: 'jp.kyodo.negawatt.v2' })),
    reason: 'unknown-type',
  },
  {
    name: 'a differently cased type',
    record: () => inboundRecord(patched(validNegawattEvent, { type: 'JP.KYODO.NEGAWATT.V1' })),
    reason: 'unknown-type',
  },
];

const sourceMismatch: RejectCase[] = [
  {
    name: 'another party',
    record: () => inboundRecord(validNegawattEvent, { senderId: 'DR002' }),
    reason: 'source-mismatch',
    message: 'source must be "urn:kyodo:party:DR002" on topic "kyodo.in.DR002", got "urn:kyodo:party:DR001"',
  },
  {
    name: 'a longer party id with the sender as prefix',
    record: () =>
      inboundRecord(factory.negawatt({ source: 'urn:kyodo:party:DR0011' }), { senderId: 'DR001' }),
    reason: 'source-mismatch',
  },
  {
    name: 'a party id ending with the sender',
    record: () =>
      inboundRecord(factory.negawatt({ source: 'urn:kyodo:party:XDR001' }), { senderId: 'DR001' }),
    reason: 'source-mismatch',
  },
  {
    name: 'the gateway source',
    record: () => inboundRecord(factory.negawatt({ source: 'urn:kyodo:gateway' }), { senderId: 'DR001' }),
    reason: 'source-mismatch',
  },
  {
    name: 'a lower-case prefix',
    record: () => inboundRecord(factory.negawatt({ source: 'URN:KYODO:PARTY:DR001' }), { senderId: 'DR001' }),
    reason: 'source-mismatch',
  },
  {
    name: 'an empty sender id',
    record: () => inboundRecord(factory.negawatt({ source: 'urn:kyodo:party:' }), { senderId: '' }),
    reason: 'source-mismatch',
  },
];

const invalidSupplyPoint: RejectCase[] = [
  ['21 digits', '030000000000000000001', 'got 21 characters'],
  ['23 digits', '03000000000000000000001', 'got 23 characters'],
  ['empty', '', 'got 0 characters'],
  ['a letter', '03000000000000000000A1', 'non-digit'],
  ['full-width digits', '０３'.padEnd(22, '０'), 'non-digit'],
  ['area 00', '0000000000000000000001', 'area digits must be 01..10, got 00'],
  ['area 11', '1100000000000000000001', 'area digits must be 01..10, got 11'],
  ['area 99', '9900000000000000000001', 'got 99'],
].map(([name, subject, message]): RejectCase => ({
  name: `subject ${name}`,
  record: () => inboundRecord(patched(validNegawattEvent, { subject })),
  reason: 'invalid-supply-point',
  message,
}));

const areaMismatch: RejectCase[] = [
  {
    name: 'supplyPoint.area of another area',
    record: () => inboundRecord(factory.contractSwitch({ area: '03', supplyPoint: { area: '06' } })),
    reason: 'area-mismatch',
    message: 'data.supplyPoint.area disagrees with area 03 of the subject',
  },
  {
    name: 'supplyPoint.area "3"',
    record: () => inboundRecord(factory.contractSwitch({ area: '03', data: { supplyPoint: { area: '3' } } })),
    reason: 'area-mismatch',
  },
  {
    name: 'area mismatch wins over key mismatch',
    record: () =>
      inboundRecord(factory.contractSwitch({ area: '03', supplyPoint: { area: '04', supplyPointId: 'x' } }), {
        key: null,
      }),
    reason: 'area-mismatch',
  },
];

const keyMismatch: RejectCase[] = [
  {
    name: 'a null key',
    record: () => inboundRecord(validMeterReadingEvent, { key: null }),
    reason: 'key-mismatch',
    message: 'record key is missing',
  },
  {
    name: 'an empty key',
    record: () => inboundRecord(validMeterReadingEvent, { key: '' }),
    reason: 'key-mismatch',
    message: 'record key (0 bytes) does not equal subject',
  },
  {
    name: 'another supply point as key',
    record: () => inboundRecord(validMeterReadingEvent, { key: supplyPointId('03', 2) }),
    reason: 'key-mismatch',
  },
  {
    name: 'the key with a trailing newline',
    record: () => inboundRecord(validMeterReadingEvent, { key: `${SPID}\n` }),
    reason: 'key-mismatch',
  },
  {
    name: 'the key as UTF-16',
    record: () => ({ ...inboundRecord(validMeterReadingEvent), key: Buffer.from(SPID, 'utf16le') }),
    reason: 'key-mismatch',
  },
  {
    name: 'supplyPoint.supplyPointId of another supply point',
    record: () =>
      inboundRecord(factory.contractSwitch({ supplyPoint: { supplyPointId: supplyPointId('03', 999) } })),
    reason: 'key-mismatch',
    message: 'data.supplyPoint.supplyPointId does not equal subject',
  },
  {
    name: 'supplyPoint.supplyPointId null',
    record: () => inboundRecord(factory.contractSwitch({ data: { supplyPoint: { supplyPointId: null } } })),
    reason: 'key-mismatch',
  },
  {
    name: 'a null key on a negawatt event',
    record: () => inboundRecord(validNegawattEvent, { key: null }),
    reason: 'key-mismatch',
  },
];

const invalidData: RejectCase[] = [
  {
    name: 'a contract switch whose supplyPoint has no supplyPointId',
    record: () =>
      inboundRecord(factory.contractSwitch({ data: { supplyPoint: { supplyPointId: undefined } } })),
    reason: 'invalid-data',
    message: 'data.supplyPoint.supplyPointId is required',
  },
  {
    name: 'a meter reading with the data of a negawatt event',
    record: () => inboundRecord({ ...factory.meterReading(), data: validNegawattEvent.data }),
    reason: 'invalid-data',
  },
  {
    name: 'intervalMinutes as a string',
    record: () => inboundRecord(factory.meterReading({ data: { intervalMinutes: '30' } })),
    reason: 'invalid-data',
    message: 'data.intervalMinutes must be an integer, got a string of 2 characters',
  },
  {
    name: 'an interval that is not an object',
    record: () => inboundRecord(factory.meterReading({ data: { intervals: [0.42] } })),
    reason: 'invalid-data',
    message: 'data.intervals[0] must be an object, got a number',
  },
  {
    name: 'a party id that is an object',
    record: () => inboundRecord(factory.negawatt({ data: { retailerId: { id: 'R0001' } } })),
    reason: 'invalid-data',
    message: 'data.retailerId must be a string, got an object',
  },
];

const outOfRange: RejectCase[] = [
  {
    name: '51 intervals',
    record: () => inboundRecord(factory.meterReading({ intervals: 51 })),
    reason: 'out-of-range',
    message: 'data.intervals must have at most 50 items, got 51',
  },
  {
    name: '51 intervals of which one has a negative kwh',
    record: () =>
      inboundRecord(
        factory.meterReading({
          intervals: Array.from({ length: 51 }, (_, i) => ({
            start: '2026-11-26T00:00:00+09:00',
            kwh: i === 7 ? -1 : 1,
          })),
        }),
      ),
    reason: 'out-of-range',
  },
  {
    name: 'a negative kwh',
    record: () =>
      inboundRecord(
        factory.meterReading({
          intervals: [0.1, 0.2, 0.3, -1, 0.5].map((kwh, i) => ({
            start: `2026-11-26T0${i}:00:00+09:00`,
            kwh,
          })),
        }),
      ),
    reason: 'out-of-range',
    message: 'data.intervals[3].kwh must be >= 0, got a number out of that range',
  },
  {
    name: 'a tiny negative kwh',
    record: () =>
      inboundRecord(factory.meterReading({ intervals: [{ start: '2026-11-26T00:00:00Z', kwh: -1e-9 }] })),
    reason: 'out-of-range',
  },
  {
    name: 'a negative totalKwh',
    record: () => inboundRecord(factory.meterReading({ totalKwh: -12.3 })),
    reason: 'out-of-range',
    message: 'data.totalKwh must be >= 0, got a number out of that range',
  },
  {
    name: 'readingDate Feb 30',
    record: () =>
      inboundRecord(factory.meterReading({ readingDate: '2026-02-28', data: { readingDate: '2026-02-30' } })),
    reason: 'out-of-range',
    message: 'data.readingDate must be a real calendar date (YYYY-MM-DD), got a string of 10 characters',
  },
  {
    name: 'readingDate Feb 29 of a common year',
    record: () =>
      inboundRecord(factory.meterReading({ readingDate: '2026-02-28', data: { readingDate: '2026-02-29' } })),
    reason: 'out-of-range',
  },
  {
    name: 'an interval start at 25 o’clock',
    record: () =>
      inboundRecord(factory.meterReading({ intervals: [{ start: '2026-11-26T25:00:00+09:00', kwh: 1 }] })),
    reason: 'out-of-range',
    message:
      'data.intervals[0].start must be an RFC 3339 date-time with a time zone, got a string of 25 characters',
  },
  {
    name: 'a negawatt date Feb 30',
    record: () => inboundRecord(factory.negawatt({ date: '2026-02-30' })),
    reason: 'out-of-range',
  },
  {
    name: 'an effectiveDate Feb 30',
    record: () => inboundRecord(factory.contractSwitch({ effectiveDate: '2027-02-30' })),
    reason: 'out-of-range',
  },
];

const ordering: RejectCase[] = [
  {
    name: 'too large before unparseable',
    record: () => rawRecord(Buffer.alloc(MAX_EVENT_BYTES + 1, 0x20)),
    reason: 'too-large',
  },
  {
    name: 'not a CloudEvent before unknown type',
    record: () => inboundRecord(patched(validNegawattEvent, { type: 'jp.kyodo.billing.v1', id: undefined })),
    reason: 'not-cloudevent',
  },
  {
    name: 'unknown type before source mismatch',
    record: () =>
      inboundRecord(patched(validNegawattEvent, { type: 'jp.kyodo.billing.v1' }), { senderId: 'DR002' }),
    reason: 'unknown-type',
  },
  {
    name: 'source mismatch before invalid supply point',
    record: () => inboundRecord(patched(validNegawattEvent, { subject: '1' }), { senderId: 'DR002' }),
    reason: 'source-mismatch',
  },
  {
    name: 'invalid supply point before key mismatch',
    record: () => inboundRecord(patched(validNegawattEvent, { subject: '1' }), { key: null }),
    reason: 'invalid-supply-point',
  },
  {
    name: 'key mismatch before invalid data',
    record: () => inboundRecord(factory.meterReading({ data: { totalKwh: 'lots' } }), { key: null }),
    reason: 'key-mismatch',
  },
  {
    name: 'key mismatch before out of range',
    record: () => inboundRecord(factory.meterReading({ intervals: 51 }), { key: 'x' }),
    reason: 'key-mismatch',
  },
];

describe.each<[string, RejectCase[]]>([
  ['too-large', tooLarge],
  ['unparseable', unparseable],
  ['not-cloudevent', notCloudEvent],
  ['unknown-type', unknownType],
  ['source-mismatch', sourceMismatch],
  ['invalid-supply-point', invalidSupplyPoint],
  ['area-mismatch', areaMismatch],
  ['key-mismatch', keyMismatch],
  ['invalid-data', invalidData],
  ['out-of-range', outOfRange],
  ['check order', ordering],
])('parseInbound rejects: %s', (_group, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { reason, message } = rejection(parseInbound(c.record()));
    expect(reason).toBe(c.reason);
    if (c.message !== undefined) expect(message).toContain(c.message);
    expect(message.length).toBeLessThanOrEqual(200);
  });
});

describe('parseInbound partial (what the audit record can keep)', () => {
  it('has none for records that are not JSON objects', () => {
    expect(parseInbound(rawRecord('nope'))).toEqual({ ok: false, rejection: expect.any(Object) as unknown });
    expect(parseInbound(rawRecord(null))).not.toHaveProperty('partial');
    expect(parseInbound(rawRecord(Buffer.alloc(MAX_EVENT_BYTES + 1)))).not.toHaveProperty('partial');
  });

  it('keeps what it could read from a broken envelope, and only a valid time and supply point id', () => {
    const result = parseInbound(
      inboundRecord(patched(validNegawattEvent, { specversion: '0.3', time: '2026-02-30T00:00:00Z' })),
    );
    expect(result).toEqual({
      ok: false,
      rejection: { reason: 'not-cloudevent', message: 'specversion must be "1.0", got "0.3"' },
      partial: {
        source: validNegawattEvent.source,
        id: validNegawattEvent.id,
        type: validNegawattEvent.type,
        supplyPointId: validNegawattEvent.subject,
      },
    });
  });

  it('leaves out non-string members and an invalid supply point id', () => {
    const result = parseInbound(
      rawRecord(JSON.stringify({ id: 7, source: ['x'], subject: '1100000000000000000001' })),
    );
    expect(!result.ok && result.partial).toEqual({});
  });

  it('clips very long identity values', () => {
    const result = parseInbound(
      inboundRecord(factory.negawatt({ id: 'i'.repeat(5000), envelope: { specversion: 1 } })),
    );
    expect(!result.ok && result.partial?.id).toBe('i'.repeat(256));
  });

  it.each<[string, InboundRecordInput, RejectionReason]>([
    ['unknown-type', inboundRecord(patched(validNegawattEvent, { type: 'jp.kyodo.x.v1' })), 'unknown-type'],
    ['source-mismatch', inboundRecord(validNegawattEvent, { senderId: 'DR002' }), 'source-mismatch'],
    ['key-mismatch', inboundRecord(validNegawattEvent, { key: null }), 'key-mismatch'],
    ['out-of-range', inboundRecord(factory.negawatt({ seed: 1, date: '2026-02-30' })), 'out-of-range'],
  ])('carries the full identity on %s', (_name, record, reason) => {
    const result = parseInbound(record);
    expect(rejection(result).reason).toBe(reason);
    expect(!result.ok && result.partial).toEqual({
      source: expect.stringMatching(/^urn:kyodo:party:/) as unknown,
      id: expect.any(String) as unknown,
      type: expect.stringMatching(/^jp\.kyodo\./) as unknown,
      time: expect.any(String) as unknown,
      supplyPointId: SPID,
    });
  });
});

describe('parseInbound messages', () => {
  it('never quote customer fields', () => {
    const name = '山田 花子 東京都世田谷区太子堂四丁目1番1号';
    const cases: JsonObject[] = [
      { customer: name },
      { customer: { name: [name] } },
      { customer: { address: { line: name } } },
      { customer: { phone: 312345678 } },
    ];
    for (const data of cases) {
      const { reason, message } = rejection(
        parseInbound(inboundRecord(factory.contractSwitch({ seed: 1, data }))),
      );
      expect(reason).toBe('invalid-data');
      expect(message).toMatch(/^data\.customer/);
      expect(message).not.toContain('山田');
      expect(message).not.toContain('312345678');
    }
  });

  it('never quote more than a short piece of an envelope attribute', () => {
    const long = 'x'.repeat(10_000);
    for (const [record, length] of [
      [
        inboundRecord(factory.negawatt({ seed: 1, source: `urn:kyodo:party:${'x'.repeat(200)}` }), {
          senderId: 'DR001',
        }),
        216,
      ],
      [inboundRecord(patched(validNegawattEvent, { type: long })), 10_000],
      [inboundRecord(patched(validNegawattEvent, { specversion: long })), 10_000],
      [inboundRecord(patched(validNegawattEvent, { time: long })), 10_000],
      [inboundRecord(patched(validNegawattEvent, { datacontenttype: long })), 10_000],
    ] as const) {
      const { message } = rejection(parseInbound(record));
      expect(message.length).toBeLessThan(250);
      const quoted = /"([^"]*)"\.\.\. \((\d+) characters\)/.exec(message);
      expect(quoted?.[1]).toHaveLength(60);
      expect(quoted?.[2]).toBe(String(length));
    }
  });

  it('describe long data values by their length alone', () => {
    const long = 'x'.repeat(10_000);
    for (const record of [
      inboundRecord(factory.negawatt({ seed: 1, id: 'D-1', date: long })),
      inboundRecord(factory.meterReading({ seed: 1, intervals: [{ start: long, kwh: 1 }] })),
    ]) {
      const { message } = rejection(parseInbound(record));
      expect(message).toMatch(/, got a string of 10000 characters$/);
      expect(message).not.toContain('xx');
    }
  });

  it('do not echo the JSON engine message', () => {
    const text = '{"name":"山田 花子" oops';
    const { message } = rejection(parseInbound(rawRecord(text)));
    expect(message).toBe(`record value is not valid JSON (${Buffer.byteLength(text)} bytes)`);
  });

  it('count the intervals of a reading that has too many', () => {
    const { message } = rejection(
      parseInbound(inboundRecord(factory.meterReading({ seed: 1, intervals: 51 }))),
    );
    expect(message).toBe('data.intervals must have at most 50 items, got 51');
  });
});

const KNOWN_MEMBERS = new Set([
  ...['specversion', 'id', 'source', 'type', 'subject', 'time', 'data', 'datacontenttype', '__proto__'],
  ...Object.values(FIELD_CATALOGUE).flatMap((node) => Object.keys(node.fields)),
]);

describe('parseInbound never throws', () => {
  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.option(fc.uint8Array({ maxLength: 30 })),
        (bytes, key) => {
          const result = parseInbound(
            rawRecord(Buffer.from(bytes), { key: key === null ? null : Buffer.from(key) }),
          );
          expect(typeof result.ok).toBe('boolean');
        },
      ),
    );
  });

  it('on arbitrary JSON, rejecting it with a known reason', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseInbound(rawRecord(JSON.stringify(value)));
        expect(Object.keys(REJECTION_REASONS)).toContain(rejection(result).reason);
      }),
    );
  });

  it('on valid events with random members replaced, and accepts random unknown members', () => {
    const events = [validContractSwitchEvent, validMeterReadingEvent, validNegawattEvent];
    fc.assert(
      fc.property(
        fc.constantFrom(...events),
        fc.constantFrom('id', 'source', 'type', 'subject', 'time', 'data', 'specversion'),
        fc.jsonValue(),
        (event, member, value) => {
          const result = parseInbound(
            inboundRecord(patched(event, { [member]: value }), { key: event.subject }),
          );
          expect(typeof result.ok).toBe('boolean');
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...events),
        fc.string({ minLength: 1 }).filter((k) => !KNOWN_MEMBERS.has(k)),
        fc.jsonValue(),
        (event, member, value) => {
          const record = inboundRecord({
            ...event,
            [member]: value,
            data: { ...event.data, [member]: value },
          });
          expect(parseInbound(record).ok).toBe(true);
        },
      ),
    );
  });
});

describe('isSupplyPointId', () => {
  it.each([
    ['0100000000000000000000', true],
    ['0999999999999999999999', true],
    ['1000000000000000000001', true],
    ['0000000000000000000001', false],
    ['1100000000000000000001', false],
    ['2000000000000000000001', false],
    ['030000000000000000001', false],
    ['03000000000000000000-1', false],
  ])('%s → %s', (value, expected) => {
    expect(isSupplyPointId(value)).toBe(expected);
  });
});

describe('checkPartyReferences', () => {
  const registry = factory.registry();
  const cases: [string, InboundEvent, RejectionReason | undefined, string?][] = [
    ['a valid contract switch', factory.contractSwitch(), undefined],
    ['a valid meter reading', factory.meterReading(), undefined],
    ['a valid negawatt dispatch', factory.negawatt(), undefined],
    [
      'an unregistered losing retailer',
      factory.contractSwitch({ fromRetailerId: 'R9999' }),
      'unknown-party',
      'data.fromRetailerId does not name a registered party, got a string of 5 characters',
    ],
    [
      'an unregistered gaining retailer',
      factory.contractSwitch({ toRetailerId: 'R9998' }),
      'unknown-party',
      'data.toRetailerId does not name a registered party, got a string of 5 characters',
    ],
    [
      'a tdso as gaining retailer',
      factory.contractSwitch({ toRetailerId: 'TD03' }),
      'wrong-role',
      'data.toRetailerId names a party registered as tdso, not retailer',
    ],
    ['an aggregator as losing retailer', factory.contractSwitch({ fromRetailerId: 'DR001' }), 'wrong-role'],
    [
      'an unregistered meter-reading retailer',
      factory.meterReading({ retailerId: 'R7777' }),
      'unknown-party',
    ],
    ['OCCTO as meter-reading retailer', factory.meterReading({ retailerId: 'OCCTO' }), 'wrong-role'],
    ['a third party as meter-reading retailer', factory.meterReading({ retailerId: 'TP001' }), 'wrong-role'],
    ['an unregistered contractor', factory.negawatt({ contractorId: 'DR999' }), 'unknown-party'],
    [
      'a retailer as contractor',
      factory.negawatt({ contractorId: 'R0001' }),
      'wrong-role',
      'data.contractorId names a party registered as retailer, not aggregator',
    ],
    ['an aggregator as negawatt retailer', factory.negawatt({ retailerId: 'DR002' }), 'wrong-role'],
    ['an unregistered negawatt retailer', factory.negawatt({ retailerId: 'R0404' }), 'unknown-party'],
    ['a lower-case id', factory.negawatt({ retailerId: 'r0001' }), 'unknown-party'],
  ];

  it.each(cases.map(([name, event, reason, message]) => ({ name, event, reason, message })))(
    '$name',
    ({ event, reason, message }) => {
      const parsed = parseInbound(inboundRecord(event));
      if (!parsed.ok) throw new Error(parsed.rejection.message);
      const result = checkPartyReferences(parsed.kind, parsed.event.data, registry);
      expect(result?.reason).toBe(reason);
      if (message !== undefined) expect(result?.message).toBe(message);
    },
  );

  it.each<[string, InboundEvent]>([
    ['contract-switch', factory.contractSwitch()],
    ['meter-reading', factory.meterReading()],
    ['negawatt', factory.negawatt()],
  ])('finds no party of a %s event in an empty registry', (kind, event) => {
    const parsed = parseInbound(inboundRecord(event));
    expect(
      parsed.ok && checkPartyReferences(parsed.kind, parsed.event.data, RegistrySnapshot.empty())?.reason,
    ).toBe('unknown-party');
    expect(parsed.ok && parsed.kind).toBe(kind);
  });

  it('names a non-string id without failing', () => {
    expect(checkPartyReferences('meter-reading', { retailerId: 42 }, registry)).toEqual({
      reason: 'unknown-party',
      message: 'data.retailerId does not name a registered party, got a number',
    });
  });

  it('checks the losing retailer before the gaining one, the contractor before the retailer', () => {
    expect(
      checkPartyReferences('contract-switch', { fromRetailerId: 'X1', toRetailerId: 'X2' }, registry)
        ?.message,
    ).toContain('fromRetailerId');
    expect(
      checkPartyReferences('negawatt', { contractorId: 'X1', retailerId: 'X2' }, registry)?.message,
    ).toContain('contractorId');
  });
});

describe('envelope length limits', () => {
  const idOf = (length: number) => factory.negawatt({ seed: 9, id: 'i'.repeat(length) });
  const sourceOf = (length: number) =>
    factory.negawatt({ seed: 9, source: `urn:kyodo:party:${'D'.repeat(length - 16)}` });

  it.each<[string, InboundEvent, boolean]>([
    ['an id of 1 character', idOf(1), true],
    [`an id of ${MAX_EVENT_ID_LENGTH - 1} characters`, idOf(MAX_EVENT_ID_LENGTH - 1), true],
    [`an id of ${MAX_EVENT_ID_LENGTH} characters`, idOf(MAX_EVENT_ID_LENGTH), true],
    [`an id of ${MAX_EVENT_ID_LENGTH + 1} characters`, idOf(MAX_EVENT_ID_LENGTH + 1), false],
    [`a source of ${MAX_EVENT_SOURCE_LENGTH} characters`, sourceOf(MAX_EVENT_SOURCE_LENGTH), true],
    [`a source of ${MAX_EVENT_SOURCE_LENGTH + 1} characters`, sourceOf(MAX_EVENT_SOURCE_LENGTH + 1), false],
  ])('%s', (_name, event, accepted) => {
    const result = parseInbound(inboundRecord(event));
    expect(result.ok ? 'accepted' : result.rejection.reason).toBe(accepted ? 'accepted' : 'not-cloudevent');
  });

  it('name the attribute, the limit and the length, without quoting the value', () => {
    const id = rejection(parseInbound(inboundRecord(idOf(MAX_EVENT_ID_LENGTH + 1))));
    expect(id).toEqual({
      reason: 'not-cloudevent',
      message: `id must be at most ${MAX_EVENT_ID_LENGTH} characters long, got ${MAX_EVENT_ID_LENGTH + 1} characters`,
    });
    const source = rejection(parseInbound(inboundRecord(sourceOf(10_000))));
    expect(source).toEqual({
      reason: 'not-cloudevent',
      message: `source must be at most ${MAX_EVENT_SOURCE_LENGTH} characters long, got 10000 characters`,
    });
  });

  it('count characters, not UTF-16 code units', () => {
    const wide = (length: number) => factory.negawatt({ seed: 9, id: '𝟘'.repeat(length) });
    expect(parseInbound(inboundRecord(wide(MAX_EVENT_ID_LENGTH))).ok).toBe(true);
    expect(rejection(parseInbound(inboundRecord(wide(MAX_EVENT_ID_LENGTH + 1)))).message).toBe(
      `id must be at most ${MAX_EVENT_ID_LENGTH} characters long, got ${MAX_EVENT_ID_LENGTH + 1} characters`,
    );
  });

  it('check the length before the shape of source', () => {
    const event = factory.negawatt({ seed: 9, source: `not a uri ${'x'.repeat(300)}` });
    expect(rejection(parseInbound(inboundRecord(event, { senderId: 'DR001' }))).message).toMatch(
      /^source must be at most 256 characters long/,
    );
  });
});

describe('contract-switch supplyPoint is optional', () => {
  const withoutSupplyPoint = (phase: string) =>
    factory.contractSwitch({ seed: 21, data: { phase, supplyPoint: undefined } });

  it.each(['requested', 'accepted', 'rejected', 'completed', 'cancelled'])(
    'accepts a %s switch without it, the subject naming the supply point',
    (phase) => {
      const event = withoutSupplyPoint(phase);
      const result = parseInbound(inboundRecord(event));
      expect(result).toEqual({ ok: true, event, kind: 'contract-switch', supplyPointId: event.subject });
      expect(checkPartyReferences('contract-switch', event.data, factory.registry())).toBeUndefined();
    },
  );

  it('accepts the cancelled fixture, and still checks its party ids', () => {
    const result = parseInbound(inboundRecord(validCancelledContractSwitchEvent));
    expect(result.ok && result.supplyPointId).toBe(validCancelledContractSwitchEvent.subject);
    expect(
      checkPartyReferences(
        'contract-switch',
        { ...validCancelledContractSwitchEvent.data, toRetailerId: 'TD03' },
        factory.registry(),
      )?.reason,
    ).toBe('wrong-role');
  });

  it('still needs the record key to equal the subject', () => {
    expect(
      rejection(parseInbound(inboundRecord(withoutSupplyPoint('cancelled'), { key: SPID }))).reason,
    ).toBe('key-mismatch');
  });

  const spid = supplyPointId('03', 22);
  /** A switch for `spid` whose supplyPoint block is exactly `supplyPoint`. */
  const switchWith = (supplyPoint: unknown) => {
    const event = factory.contractSwitch({ seed: 22, data: { supplyPoint: undefined } });
    return inboundRecord({ ...event, data: { ...event.data, supplyPoint } });
  };

  it.each<[string, unknown, RejectionReason, string]>([
    ['an empty block', {}, 'invalid-data', 'data.supplyPoint.supplyPointId is required'],
    [
      'a block without supplyPointId',
      { area: '03', remoteIsland: false, meter: { meterId: 'M1' } },
      'invalid-data',
      'data.supplyPoint.supplyPointId is required',
    ],
    ['a block of null', null, 'invalid-data', 'data.supplyPoint must be an object, got null'],
    ['a block that is an array', [spid], 'invalid-data', 'data.supplyPoint must be an object, got an array'],
    [
      'a block without supplyPointId whose area disagrees',
      { area: '06' },
      'area-mismatch',
      'data.supplyPoint.area disagrees with area 03 of the subject',
    ],
    [
      'another supply point id',
      { supplyPointId: supplyPointId('03', 23) },
      'key-mismatch',
      'data.supplyPoint.supplyPointId does not equal subject',
    ],
    [
      'a supply point id that is a number',
      { supplyPointId: 322 },
      'key-mismatch',
      'data.supplyPoint.supplyPointId does not equal subject',
    ],
    [
      'a bad field beside a good id',
      { supplyPointId: spid, powerFactor: 101 },
      'out-of-range',
      'data.supplyPoint.powerFactor must be <= 100',
    ],
    [
      'a bad meter beside a good id',
      { supplyPointId: spid, meter: { meterId: 55555555 } },
      'invalid-data',
      'data.supplyPoint.meter.meterId must be a string, got a number',
    ],
  ])('when present, rejects %s', (_name, supplyPoint, reason, message) => {
    expect(rejection(parseInbound(switchWith(supplyPoint)))).toEqual({
      reason,
      message: expect.stringContaining(message) as unknown,
    });
  });

  it('is not required by the documented JSON Schema either', () => {
    const data = DATA_SCHEMAS['contract-switch'] as { required?: string[] };
    expect(data.required).not.toContain('supplyPoint');
    expect(data.required).toEqual(
      expect.arrayContaining(['switchId', 'phase', 'fromRetailerId', 'toRetailerId', 'effectiveDate']),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Rejection messages never quote a value from `data`, nor `subject` or `id`.

type Marker = string | number;

/**
 * Whether `message` shows `marker`: a string's first 12 characters; a large number's integer digits
 * (so a rounded or truncated rendering counts too), a small one as written.
 */
function shows(message: string, marker: Marker): boolean {
  if (typeof marker === 'string') return message.includes(marker.slice(0, 12));
  const magnitude = Math.abs(marker);
  return message.includes(String(magnitude >= 1000 ? Math.trunc(magnitude) : magnitude));
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `value` with every leaf that differs from `valid` (at the same path) replaced by a fresh marker of
 * the same kind: a non-empty string by a marker string, a non-zero number by a marker number of the
 * same sign, fractional if it was. The markers made are pushed onto `markers`.
 */
function markerize(valid: unknown, value: unknown, markers: Marker[]): unknown {
  if (Array.isArray(value))
    return value.map((v, i) => markerize(Array.isArray(valid) ? valid[i] : undefined, v, markers));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        markerize(isObject(valid) ? valid[k] : undefined, v, markers),
      ]),
    );
  }
  if (value === valid) return value;
  if (typeof value === 'string' && value.length > 0) {
    const marker = `MKR${markers.length}Q山田`;
    markers.push(marker);
    return marker;
  }
  if (typeof value === 'number' && value !== 0) {
    const magnitude = 987_654_000 + markers.length + (Number.isInteger(value) ? 0 : 0.5);
    const marker = Math.sign(value) * magnitude;
    markers.push(marker);
    return marker;
  }
  return value;
}

/** The leaves of `value` that differ from `valid`, long enough (3+ characters) to be recognised. */
function offendingLeaves(valid: unknown, value: unknown): Marker[] {
  if (Array.isArray(value))
    return value.flatMap((v, i) => offendingLeaves(Array.isArray(valid) ? valid[i] : undefined, v));
  if (isObject(value))
    return Object.entries(value).flatMap(([k, v]) =>
      offendingLeaves(isObject(valid) ? valid[k] : undefined, v),
    );
  if (value === valid) return [];
  if ((typeof value === 'string' || typeof value === 'number') && String(value).length >= 3) return [value];
  return [];
}

const DATA_FIXTURES: readonly [EventKind, InboundEvent, readonly InvalidFixture[]][] = [
  ['contract-switch', validContractSwitchEvent, invalidContractSwitchData],
  ['meter-reading', validMeterReadingEvent, invalidMeterReadingData],
  ['negawatt', validNegawattEvent, invalidNegawattData],
];

describe('rejection messages never quote data values', () => {
  describe.each(DATA_FIXTURES)('%s invalid fixtures', (_kind, valid, fixtures) => {
    it.each(fixtures.map((fixture) => [fixture.name, fixture] as const))('%s', (_name, fixture) => {
      const original = rejection(parseInbound(inboundRecord({ ...valid, data: fixture.value })));
      expect(original.message).not.toContain('"');
      expect(original.message).not.toContain(valid.subject);
      for (const leaf of offendingLeaves(valid.data, fixture.value))
        expect(shows(original.message, leaf)).toBe(false);

      const markers: Marker[] = [];
      const marked = markerize(valid.data, fixture.value, markers);
      const result = rejection(parseInbound(inboundRecord({ ...valid, data: marked })));
      expect(result.reason).toBe(fixture.reason);
      for (const marker of markers) expect(shows(result.message, marker)).toBe(false);
    });
  });

  describe('invalid envelope fixtures', () => {
    it.each(invalidEnvelopes.map((fixture) => [fixture.name, fixture] as const))('%s', (_name, fixture) => {
      const value = fixture.value as JsonObject;
      const { message } = rejection(
        parseInbound(inboundRecord(value, { key: validEnvelope.subject, senderId: 'DR001' })),
      );
      expect(message).not.toContain(validEnvelope.subject);
      expect(message).not.toContain(validEnvelope.id);
      for (const member of ['id', 'subject', 'data']) {
        for (const leaf of offendingLeaves(validEnvelope[member as keyof InboundEvent], value[member]))
          expect(shows(message, leaf)).toBe(false);
      }
    });
  });

  it('the example of the review: a meter id that is a number', () => {
    const event = factory.contractSwitch({ seed: 1, supplyPoint: { meter: { meterId: 55555555 as never } } });
    expect(rejection(parseInbound(inboundRecord(event)))).toEqual({
      reason: 'invalid-data',
      message: 'data.supplyPoint.meter.meterId must be a string, got a number',
    });
  });

  it.each<[string, JsonObject]>([
    ['a pole number', { supplyPoint: { leadInPoleNumber: ['世田谷幹線42右3'] } }],
    ['a service menu', { supplyPoint: { serviceMenu: 7130000 } }],
    ['a supply point area', { supplyPoint: { area: 'Setagaya 3-1' } }],
    ['a transfer date', { supplyPoint: { transferDate: '1985-07-14 birthday' } }],
    ['a phase', { phase: '山田 花子' }],
    ['a switch id', { switchId: 1234567890 }],
  ])('describes %s by type alone', (_name, data) => {
    const { message } = rejection(parseInbound(inboundRecord(factory.contractSwitch({ seed: 1, data }))));
    expect(message).not.toMatch(/世田谷|7130000|Setagaya|1985|山田|1234567890/);
  });

  it('names party ids in the data without quoting them', () => {
    const registry = factory.registry();
    for (const data of [
      { fromRetailerId: '山田 花子', toRetailerId: 'R0002' },
      { fromRetailerId: 'R0001', toRetailerId: 'TD03' },
    ]) {
      const rejected = checkPartyReferences('contract-switch', data, registry);
      expect(rejected?.message).toMatch(/^data\.(from|to)RetailerId /);
      expect(rejected?.message).not.toMatch(/山田|TD03|"/);
    }
  });
});

/** A JSON Schema node as TypeBox builds it: enough to walk the data schemas. */
interface SchemaLike {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaLike>>;
  readonly items?: SchemaLike;
}

/** A path into `data` (`null` standing for any array index) and the JSON types allowed there. */
interface DataPath {
  readonly segments: readonly (string | null)[];
  readonly types: readonly string[];
}

function dataPaths(schema: SchemaLike, prefix: readonly (string | null)[] = []): DataPath[] {
  const own: DataPath[] =
    prefix.length === 0 ? [] : [{ segments: prefix, types: [schema.type ?? []].flat() }];
  const properties = Object.entries(schema.properties ?? {}).flatMap(([name, child]) =>
    dataPaths(child, [...prefix, name]),
  );
  const items = schema.items === undefined ? [] : dataPaths(schema.items, [...prefix, null]);
  return [...own, ...properties, ...items];
}

const DATA_PATHS: Readonly<Record<EventKind, readonly DataPath[]>> = Object.fromEntries(
  EVENT_KINDS.map((kind) => [kind, dataPaths(DATA_SCHEMAS[kind] as SchemaLike)]),
) as unknown as Record<EventKind, readonly DataPath[]>;

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function typeAllowed(types: readonly string[], value: unknown): boolean {
  const type = jsonType(value);
  return types.includes(type) || (type === 'number' && types.includes('integer') && Number.isInteger(value));
}

/** `root` with `value` set at `segments`, copying what it changes (a `null` segment is `index`). */
function setAt(root: unknown, segments: readonly (string | null)[], index: number, value: unknown): unknown {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments;
  if (head === null) {
    const copy: unknown[] = Array.isArray(root) ? [...(root as unknown[])] : [];
    copy[index] = setAt(copy[index], rest, index, value);
    return copy;
  }
  const copy: JsonObject = isObject(root) ? { ...root } : {};
  copy[head] = setAt(copy[head], rest, index, value);
  return copy;
}

/** Every marker inside a generated value. */
function markersIn(value: unknown): Marker[] {
  if (typeof value === 'string' || typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(markersIn);
  if (isObject(value)) return Object.values(value).flatMap(markersIn);
  return [];
}

const markerString = fc
  .tuple(
    fc.constantFrom('MKR', '山田MKR', 'Zq9', '幹線MKR'),
    fc.stringMatching(/^[A-Za-z0-9]{6,12}$/),
    fc.nat({ max: 120 }),
  )
  .map(([prefix, core, padding]) => `${prefix}${core}${'#'.repeat(padding)}`);
const markerNumber = fc
  .tuple(fc.integer({ min: 100_000_000, max: 999_999_999 }), fc.boolean(), fc.boolean())
  .map(([n, negative, fractional]) => (negative ? -1 : 1) * (n + (fractional ? 0.25 : 0)));
const marker = fc.oneof(markerString, markerNumber);
const markerValue = fc.oneof(
  { weight: 3, arbitrary: marker },
  { weight: 1, arbitrary: fc.array(marker, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'value', 'name'), marker, { minKeys: 1 }) },
);

const FACTORIES: Readonly<Record<EventKind, (seed: number) => InboundEvent>> = {
  'contract-switch': (seed) => factory.contractSwitch({ seed }),
  'meter-reading': (seed) => factory.meterReading({ seed }),
  negawatt: (seed) => factory.negawatt({ seed }),
};

const eventWithPath = fc.constantFrom(...EVENT_KINDS).chain((kind) =>
  fc.record({
    kind: fc.constant(kind),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    path: fc.constantFrom(...DATA_PATHS[kind]),
    index: fc.nat({ max: 3 }),
  }),
);

describe('rejection messages never quote data values (property)', () => {
  const registry = factory.registry();

  it('walks every field of the data schemas', () => {
    const names = (kind: EventKind) =>
      DATA_PATHS[kind].map((p) => p.segments.map((s) => s ?? '[]').join('.'));
    expect(names('contract-switch')).toEqual(
      expect.arrayContaining(['supplyPoint', 'supplyPoint.meter.meterId', 'supplyPoint.leadInPoleNumber']),
    );
    expect(names('meter-reading')).toEqual(
      expect.arrayContaining(['intervals.[].kwh', 'customer.contractNumber']),
    );
    expect(names('negawatt')).toEqual(expect.arrayContaining(['negawatt.baseline', 'dispatchId']));
  });

  it('for a value of the wrong type at a random path: rejected, the marker nowhere in the message', () => {
    fc.assert(
      fc.property(eventWithPath, markerValue, ({ kind, seed, path, index }, value) => {
        fc.pre(!typeAllowed(path.types, value));
        const event = FACTORIES[kind](seed);
        const data = setAt(event.data, path.segments, index, value) as JsonObject;
        const { message } = rejection(parseInbound(inboundRecord({ ...event, data })));
        for (const m of markersIn(value)) expect(shows(message, m)).toBe(false);
        expect(message).not.toContain(event.subject);
      }),
      { numRuns: 500 },
    );
  });

  it('for a marker of the right type (bad dates, enums, areas, ids, ranges, party ids): never quoted', () => {
    fc.assert(
      fc.property(eventWithPath, marker, ({ kind, seed, path, index }, value) => {
        fc.pre(typeAllowed(path.types, value));
        const event = FACTORIES[kind](seed);
        const data = setAt(event.data, path.segments, index, value) as JsonObject;
        const result = parseInbound(inboundRecord({ ...event, data }));
        const message = result.ok
          ? checkPartyReferences(result.kind, result.event.data, registry)?.message
          : result.rejection.message;
        if (message !== undefined) {
          expect(shows(message, value)).toBe(false);
          expect(message).not.toContain(event.subject);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('for a marker as subject or id: never quoted', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EVENT_KINDS),
        fc.constantFrom('subject', 'id'),
        fc.oneof(
          markerValue,
          markerString.map((m) => m.repeat(30)),
          fc.stringMatching(/^[0-9]{8,30}$/).filter((d) => d.length !== 22 && !/^0+$/.test(d)),
        ),
        fc.boolean(),
        (kind, member, value, keyed) => {
          const event = FACTORIES[kind](7);
          const record = inboundRecord({ ...event, [member]: value }, keyed ? {} : { key: event.subject });
          const result = parseInbound(record);
          if (result.ok) return;
          for (const m of markersIn(value)) expect(shows(result.rejection.message, m)).toBe(false);
          expect(result.rejection.message).not.toContain(event.subject);
        },
      ),
      { numRuns: 300 },
    );
  });
});
