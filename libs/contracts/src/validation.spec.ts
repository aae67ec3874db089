import fc from 'fast-check';
import { MAX_EVENT_BYTES, type InboundEvent, type JsonObject } from './events';
import { FIELD_CATALOGUE } from './fields';
import { RegistrySnapshot } from './registry';
import type { RejectionReason } from './rejections';
import { REJECTION_REASONS } from './rejections';
import {
  deepMerge,
  factory,
  inboundRecord,
  supplyPointId,
  toRecordValue,
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
    message: 'data.supplyPoint.area "06" disagrees with area 03 of the subject',
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
    name: 'a contract switch without supplyPoint',
    record: () => inboundRecord(factory.contractSwitch({ data: { supplyPoint: undefined } })),
    reason: 'invalid-data',
    message: 'data.supplyPoint is required',
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
    message: 'data.intervalMinutes must be integer, got "30"',
  },
  {
    name: 'an interval that is not an object',
    record: () => inboundRecord(factory.meterReading({ data: { intervals: [0.42] } })),
    reason: 'invalid-data',
    message: 'data.intervals[0] must be object, got 0.42',
  },
  {
    name: 'a party id that is an object',
    record: () => inboundRecord(factory.negawatt({ data: { retailerId: { id: 'R0001' } } })),
    reason: 'invalid-data',
    message: 'data.retailerId must be string, got an object',
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
    message: 'data.intervals[3].kwh must be >= 0, got -1',
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
    message: 'data.totalKwh must be >= 0, got -12.3',
  },
  {
    name: 'readingDate Feb 30',
    record: () =>
      inboundRecord(factory.meterReading({ readingDate: '2026-02-28', data: { readingDate: '2026-02-30' } })),
    reason: 'out-of-range',
    message: 'data.readingDate must be a real calendar date (YYYY-MM-DD), got "2026-02-30"',
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
      'data.intervals[0].start must be an RFC 3339 date-time with a time zone, got "2026-11-26T25:00:00+09:00"',
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

  it('never quote more than a short piece of a value', () => {
    const long = 'x'.repeat(10_000);
    for (const record of [
      inboundRecord(factory.negawatt({ seed: 1, date: long })),
      inboundRecord(factory.negawatt({ seed: 1, source: `urn:kyodo:party:${long}` }), { senderId: 'DR001' }),
      inboundRecord(patched(validNegawattEvent, { type: long })),
      inboundRecord(patched(validNegawattEvent, { specversion: long })),
      inboundRecord(factory.meterReading({ seed: 1, intervals: [{ start: long, kwh: 1 }] })),
    ]) {
      const { message } = rejection(parseInbound(record));
      expect(message.length).toBeLessThan(250);
      expect(message).toMatch(/\.\.\. \(100\d\d characters\)/);
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
      'data.fromRetailerId "R9999" is not a registered party',
    ],
    [
      'an unregistered gaining retailer',
      factory.contractSwitch({ toRetailerId: 'R9998' }),
      'unknown-party',
      'data.toRetailerId "R9998" is not a registered party',
    ],
    [
      'a tdso as gaining retailer',
      factory.contractSwitch({ toRetailerId: 'TD03' }),
      'wrong-role',
      'data.toRetailerId "TD03" is registered as tdso, not retailer',
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
      'data.contractorId "R0001" is registered as retailer, not aggregator',
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
      message: 'data.retailerId 42 is not a registered party',
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
