import { STRUCTURED_EVENT_HEADERS, topicsFor, type JsonObject } from '@kyodo/contracts';
import { binaryInboundRecord, factory, toRecordValue } from '@kyodo/contracts/testing';
import { sealedText } from '@kyodo/audit';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { Router, type DeadLetter, type InboundRecord, type OutputRecord } from './router';

const topics = topicsFor('kyodo');
const policy = compilePolicy(loadPolicy());
const clock = () => new Date('2026-11-27T06:00:00.000Z');
const registry = factory.registry({
  enrollments: [
    { aggregatorId: 'DR001', supplyPointId: '0300000000000000000001', from: '2026-01-01', to: '2026-12-31' },
  ],
});
const reading = factory.meterReading({
  seed: 5,
  area: '03',
  supplyPointId: '0300000000000000000001',
  retailerId: 'R0001',
  sender: 'TD03',
});

function route(records: InboundRecord[]): OutputRecord[] {
  const out: OutputRecord[] = [];
  new Router({ policy, topics, hmacKey: 'k', clock }).routeBatch(records, registry, out);
  return out;
}

function structured(event: object, offset = '1'): InboundRecord {
  const subject = (event as { subject: string }).subject;
  return {
    topic: topics.inbox('TD03'),
    partition: 0,
    offset,
    key: Buffer.from(subject),
    value: toRecordValue(event),
  };
}

function binary(event: object, offset = '1'): InboundRecord {
  const input = binaryInboundRecord(event, { senderId: 'TD03' });
  if (input === undefined) throw new Error('no binary form');
  return {
    topic: input.topic,
    partition: 0,
    offset,
    key: input.key,
    value: input.value,
    headers: input.headers as Record<string, string>,
  };
}

describe('Router and the CloudEvents content modes', () => {
  it('marks every outbound event as structured mode with the one shared headers object', () => {
    const out = route([structured(reading)]);
    const outbound = out.filter((o) => o.topic.startsWith('kyodo.out.'));
    expect(outbound).toHaveLength(2);
    for (const o of outbound) expect(o.headers).toBe(STRUCTURED_EVENT_HEADERS);
    // Audit records and dead letters are not CloudEvents.
    for (const o of out.filter((o) => !o.topic.startsWith('kyodo.out.'))) expect(o.headers).toBeUndefined();
  });

  it('routes a binary-mode event exactly as the same event in structured mode', () => {
    expect(route([binary(reading)])).toEqual(route([structured(reading)]));
  });

  it('rejects a binary-mode event for the reason a structured one gets, and notes the headers', () => {
    const bad = { ...reading, data: { ...reading.data, totalKwh: -1 } };
    const record = binary(bad);
    const out = route([record]);
    const letters = out.filter((o) => o.topic === topics.dlq).map((o) => JSON.parse(o.value) as DeadLetter);
    const structuredLetters = route([structured(bad)])
      .filter((o) => o.topic === topics.dlq)
      .map((o) => JSON.parse(o.value) as DeadLetter);
    expect(letters).toHaveLength(1);
    expect(letters[0].reason).toBe('out-of-range');
    expect(letters[0].reason).toBe(structuredLetters[0].reason);
    // The original bytes (the data alone) and the headers that carried the attributes.
    expect(letters[0].value).toBe(record.value?.toString('utf8'));
    expect(letters[0].headers).toEqual(record.headers);
    expect(letters[0].headers?.ce_id).toBe(reading.id);
    expect(structuredLetters[0].headers).toBeUndefined();
    const audit = out.filter((o) => o.topic === topics.audit).map((o) => JSON.parse(o.value) as JsonObject);
    // A rejected record's sender-chosen id enters the audit only sealed (keyed HMAC), as in structured mode.
    expect(audit).toMatchObject([
      { outcome: 'rejected', reason: 'out-of-range', inboundId: sealedText('k', reading.id) },
    ]);
  });
});
