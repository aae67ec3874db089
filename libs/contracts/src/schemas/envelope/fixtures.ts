import type { InboundEvent } from '../../events';
import type { InvalidFixture } from '../common';

/** A complete valid event, sent by DR001 on `kyodo.in.DR001`, keyed by its subject. */
export const validEnvelope: InboundEvent = {
  specversion: '1.0',
  id: 'D-20261126-0007-0300000000000000000001',
  source: 'urn:kyodo:party:DR001',
  type: 'jp.kyodo.negawatt.v1',
  subject: '0300000000000000000001',
  time: '2026-11-26T19:05:00.123+09:00',
  datacontenttype: 'application/json; charset=utf-8',
  data: { contractorId: 'DR001', retailerId: 'R0001', dispatchId: 'D-20261126-0007', date: '2026-11-26' },
};

function variant(patch: Record<string, unknown>): Record<string, unknown> {
  return { ...validEnvelope, ...patch };
}
function without(key: keyof InboundEvent): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...validEnvelope };
  delete copy[key];
  return copy;
}

/** JSON objects that are not CloudEvents 1.0 as the contract uses them. */
export const invalidEnvelopes: readonly InvalidFixture[] = [
  {
    name: 'specversion missing',
    value: without('specversion'),
    reason: 'not-cloudevent',
    message: 'specversion is required',
  },
  {
    name: 'specversion 0.3',
    value: variant({ specversion: '0.3' }),
    reason: 'not-cloudevent',
    message: 'specversion must be "1.0", got "0.3"',
  },
  {
    name: 'specversion a number',
    value: variant({ specversion: 1.0 }),
    reason: 'not-cloudevent',
    message: 'specversion must be "1.0", got 1',
  },
  { name: 'id missing', value: without('id'), reason: 'not-cloudevent', message: 'id is required' },
  { name: 'id empty', value: variant({ id: '' }), reason: 'not-cloudevent', message: 'id must not be empty' },
  {
    name: 'id a number',
    value: variant({ id: 7 }),
    reason: 'not-cloudevent',
    message: 'id must be a string, got a number',
  },
  {
    name: 'id of 257 characters',
    value: variant({ id: 'D'.repeat(257) }),
    reason: 'not-cloudevent',
    message: 'id must be at most 256 characters long, got 257 characters',
  },
  {
    name: 'source missing',
    value: without('source'),
    reason: 'not-cloudevent',
    message: 'source is required',
  },
  {
    name: 'source empty',
    value: variant({ source: '' }),
    reason: 'not-cloudevent',
    message: 'source must not be empty',
  },
  {
    name: 'source of 257 characters',
    value: variant({ source: `urn:kyodo:party:${'D'.repeat(241)}` }),
    reason: 'not-cloudevent',
    message: 'source must be at most 256 characters long, got 257 characters',
  },
  {
    name: 'source not a URI reference',
    value: variant({ source: 'party DR001' }),
    reason: 'not-cloudevent',
    message: 'source must be a URI reference',
  },
  { name: 'type missing', value: without('type'), reason: 'not-cloudevent', message: 'type is required' },
  {
    name: 'subject missing',
    value: without('subject'),
    reason: 'not-cloudevent',
    message: 'subject is required',
  },
  {
    name: 'subject a number',
    value: variant({ subject: 3000000000001 }),
    reason: 'not-cloudevent',
    message: 'subject must be a string, got a number',
  },
  { name: 'time missing', value: without('time'), reason: 'not-cloudevent', message: 'time is required' },
  {
    name: 'time without zone',
    value: variant({ time: '2026-11-26T19:05:00' }),
    reason: 'not-cloudevent',
    message: 'time must be an RFC 3339 date-time',
  },
  {
    name: 'time on Feb 30',
    value: variant({ time: '2026-02-30T10:00:00Z' }),
    reason: 'not-cloudevent',
    message: 'time must be an RFC 3339 date-time',
  },
  {
    name: 'time as epoch millis',
    value: variant({ time: 1795770300000 }),
    reason: 'not-cloudevent',
    message: 'time must be a string, got 1795770300000',
  },
  {
    name: 'datacontenttype not JSON',
    value: variant({ datacontenttype: 'application/xml' }),
    reason: 'not-cloudevent',
    message: 'datacontenttype',
  },
  { name: 'data missing', value: without('data'), reason: 'not-cloudevent', message: 'data is required' },
  {
    name: 'data an array',
    value: variant({ data: [] }),
    reason: 'not-cloudevent',
    message: 'data must be an object, got an array',
  },
  {
    name: 'data a string',
    value: variant({ data: '{"contractorId":"DR001"}' }),
    reason: 'not-cloudevent',
    message: 'data must be an object, got a string of 24 characters',
  },
  {
    name: 'data null',
    value: variant({ data: null }),
    reason: 'not-cloudevent',
    message: 'data must be an object, got null',
  },
];
