import type { InboundEvent } from './events';
import { MAX_EVENT_BYTES } from './events';
import {
  STRUCTURED_CONTENT_TYPE,
  STRUCTURED_EVENT_HEADERS,
  binaryModeEvent,
  isBinaryMode,
} from './kafka-binding';
import type { InvalidFixture } from './schemas';
import {
  binaryInboundRecord,
  factory,
  inboundRecord,
  invalidContractSwitchData,
  invalidEnvelopes,
  invalidMeterReadingData,
  invalidNegawattData,
  validCancelledContractSwitchEvent,
  validContractSwitchEvent,
  validEnvelope,
  validMeterReadingEvent,
  validNegawattEvent,
} from './testing';
import { parseInbound, type InboundRecordInput, type ParseResult } from './validation';

function binary(event: object, overrides: { senderId?: string } = {}): InboundRecordInput {
  const record = binaryInboundRecord(event, overrides);
  if (record === undefined) throw new Error('the event has no binary form');
  return record;
}

function reasonOf(result: ParseResult): string {
  return result.ok ? 'accepted' : result.rejection.reason;
}

describe('STRUCTURED_EVENT_HEADERS', () => {
  it('names the structured JSON content type, as the CloudEvents SDKs expect', () => {
    expect(STRUCTURED_EVENT_HEADERS).toEqual({
      'content-type': 'application/cloudevents+json; charset=UTF-8',
    });
    expect(STRUCTURED_CONTENT_TYPE.startsWith('application/cloudevents+json')).toBe(true);
  });

  it('is one frozen object, so no record can change another one', () => {
    expect(Object.isFrozen(STRUCTURED_EVENT_HEADERS)).toBe(true);
  });
});

describe('isBinaryMode', () => {
  it.each<[string, Record<string, string> | undefined, boolean]>([
    ['no headers at all (contract v1 structured input)', undefined, false],
    ['empty headers', {}, false],
    ['structured content type', { 'content-type': STRUCTURED_CONTENT_TYPE }, false],
    [
      'ce_specversion and a JSON content type',
      { ce_specversion: '1.0', 'content-type': 'application/json' },
      true,
    ],
    ['ce_specversion without content type', { ce_specversion: '1.0' }, true],
    [
      'ce_specversion but a structured content type (structured wins)',
      { ce_specversion: '1.0', 'content-type': 'application/cloudevents+json' },
      false,
    ],
    [
      'a structured content type in capitals',
      { ce_specversion: '1.0', 'content-type': 'Application/CloudEvents+JSON' },
      false,
    ],
    ['other ce_ headers without ce_specversion (an event lacking it)', { ce_id: 'x', ce_type: 'y' }, true],
    ['only unrelated headers', { traceparent: '00-x', 'content-type': 'application/json' }, false],
  ])('%s', (_name, headers, expected) => {
    expect(isBinaryMode(headers)).toBe(expected);
  });
});

describe('binaryModeEvent', () => {
  it('maps ce_* headers to attributes, content-type to datacontenttype and the value to data', () => {
    expect(
      binaryModeEvent(
        {
          ce_specversion: '1.0',
          ce_id: 'A',
          'content-type': 'application/json',
          ce_kyodotrace: 't',
          other: 'x',
        },
        { a: 1 },
      ),
    ).toEqual({
      specversion: '1.0',
      id: 'A',
      datacontenttype: 'application/json',
      kyodotrace: 't',
      data: { a: 1 },
    });
  });

  it('takes data only from the value, and never lets a header reach the prototype', () => {
    const event = binaryModeEvent({ ce_data: '{"x":1}', ce___proto__: 'polluted' }, undefined);
    expect(event).toEqual({});
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
  });
});

const VALID: readonly (readonly [string, InboundEvent])[] = [
  ['the envelope fixture', validEnvelope],
  ['the contract-switch fixture', validContractSwitchEvent],
  ['the cancelled contract-switch fixture', validCancelledContractSwitchEvent],
  ['the meter-reading fixture', validMeterReadingEvent],
  ['the negawatt fixture', validNegawattEvent],
  ['a factory contract switch', factory.contractSwitch()],
  ['a factory meter reading', factory.meterReading({ intervals: 48 })],
  ['a factory negawatt dispatch', factory.negawatt()],
  ['no datacontenttype', factory.negawatt({ envelope: { datacontenttype: undefined } })],
  ['an extension attribute', factory.negawatt({ envelope: { kyodotrace: 'abc' } })],
];

describe('binary content mode is accepted like structured mode', () => {
  it.each(VALID)('%s', (_name, event) => {
    const structured = parseInbound(inboundRecord(event));
    const result = parseInbound(binary(event));
    expect(structured.ok).toBe(true);
    expect(result).toEqual(structured);
  });
});

const DATA_FIXTURES: readonly (readonly [string, InboundEvent, readonly InvalidFixture[]])[] = [
  ['contract-switch', validContractSwitchEvent, invalidContractSwitchData],
  ['meter-reading', validMeterReadingEvent, invalidMeterReadingData],
  ['negawatt', validNegawattEvent, invalidNegawattData],
];

/** Every invalid fixture that has a binary form, as the event it stands for. */
type Case = readonly [name: string, event: object, reason: string, overrides?: { senderId?: string }];
const INVALID: readonly Case[] = (
  [
    ...invalidEnvelopes.map((f): Case => [`envelope: ${f.name}`, f.value as object, f.reason]),
    ...DATA_FIXTURES.flatMap(([kind, valid, fixtures]) =>
      fixtures.map((f): Case => [`${kind}: ${f.name}`, { ...valid, data: f.value }, f.reason]),
    ),
    [
      'source of another party',
      { ...validMeterReadingEvent, source: 'urn:kyodo:party:TD06' },
      'source-mismatch',
      { senderId: 'TD03' },
    ],
    ['unknown type', { ...validNegawattEvent, type: 'jp.kyodo.unknown.v1' }, 'unknown-type'],
  ] satisfies Case[]
).filter(([, event]) => binaryInboundRecord(event) !== undefined);

describe('binary content mode is rejected like structured mode', () => {
  it('covers most fixtures (those whose attributes are all strings)', () => {
    expect(INVALID.length).toBeGreaterThan(40);
  });

  it.each(INVALID.map((c) => [c[0], c] as const))('%s', (_name, [, event, reason, overrides]) => {
    const structured = parseInbound(inboundRecord(event, overrides));
    const record = binary(event, overrides);
    const result = parseInbound(record);
    expect(reasonOf(structured)).toBe(reason);
    expect(reasonOf(result)).toBe(reason);
    if (result.ok || structured.ok) return;
    expect(result.rejection.message).toBe(
      `${structured.rejection.message} (binary content mode: attributes from ce_* headers)`,
    );
    expect(result.partial).toEqual(structured.partial);
  });

  it('an event with no value lacks data, as a structured event without data', () => {
    const { data: _data, ...envelope } = validNegawattEvent;
    const structured = parseInbound(inboundRecord(envelope));
    const record = binary(validNegawattEvent);
    for (const value of [null, Buffer.alloc(0)]) {
      const result = parseInbound({ ...record, value });
      expect(reasonOf(result)).toBe('not-cloudevent');
      expect(reasonOf(structured)).toBe('not-cloudevent');
      if (!result.ok) expect(result.rejection.message).toContain('data is required');
    }
  });

  it('a value that is not JSON is unparseable; one over 1 MiB is too large', () => {
    const record = binary(validNegawattEvent);
    const notJson = parseInbound({ ...record, value: Buffer.from('{"contractorId":') });
    expect(notJson.ok ? undefined : notJson.rejection).toEqual({
      reason: 'unparseable',
      message: 'record value (binary content mode) is not valid JSON (16 bytes)',
    });
    const notUtf8 = parseInbound({ ...record, value: Buffer.from([0x7b, 0xff, 0x7d]) });
    expect(reasonOf(notUtf8)).toBe('unparseable');
    const large = parseInbound({ ...record, value: Buffer.alloc(MAX_EVENT_BYTES + 1, 0x20) });
    expect(reasonOf(large)).toBe('too-large');
  });

  it('a value that is JSON but not an object is not a CloudEvent, as in structured mode', () => {
    const structured = parseInbound(inboundRecord({ ...validNegawattEvent, data: [1, 2] }));
    const result = parseInbound({ ...binary(validNegawattEvent), value: Buffer.from('[1,2]') });
    expect(reasonOf(result)).toBe('not-cloudevent');
    expect(reasonOf(structured)).toBe('not-cloudevent');
  });

  it('checks the record key against the ce_subject header', () => {
    const result = parseInbound({
      ...binary(validNegawattEvent),
      key: Buffer.from('0300000000000000000002'),
    });
    expect(reasonOf(result)).toBe('key-mismatch');
  });

  it('quotes no data value and no subject in its messages', () => {
    for (const [, event, , overrides] of INVALID) {
      const result = parseInbound(binary(event, overrides));
      if (result.ok) continue;
      expect(result.rejection.message).not.toContain(validNegawattEvent.subject);
    }
  });
});
