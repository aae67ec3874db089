import { topicsFor, type JsonObject } from '@kyodo/contracts';
import { factory } from '@kyodo/contracts/testing';
import { isSubjectNoticeFor, normalizeAuditRecord, supplyPointHmac, type AuditRecord } from '@kyodo/audit';
import { auditRecordFixture } from '../../audit/src/testing';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { Router, type InboundRecord, type OutputRecord } from './router';
import { buildSubjectNotices, type SubjectNoticeRequest } from './subject-notices';

const topics = topicsFor('kyodo');
const policy = compilePolicy(loadPolicy());
const KEY = 'subject-notice-test-key';
const SP = '0300000000000000000001';
const OTHER = '0300000000000000000002';
const NOW = '2026-11-30T01:00:00.000Z';
const hmac = supplyPointHmac(KEY, SP);

const request: SubjectNoticeRequest = {
  kind: 'correction',
  reference: 'REQ-1',
  supplyPointId: SP,
  from: null,
  to: null,
  requestedBy: 'urn:kyodo:cli',
};

function delivery(
  id: string,
  recipientId: string,
  fields: string[],
  over: Partial<AuditRecord> = {},
): AuditRecord {
  return auditRecordFixture({ id, recipientId, fieldsDelivered: fields, supplyPointHmac: hmac, ...over });
}

function build(trail: AuditRecord[]) {
  return buildSubjectNotices(request, trail, {
    topics,
    hmacKey: KEY,
    policyVersion: policy.version,
    notices: policy.notices!,
    now: NOW,
  });
}

describe('buildSubjectNotices', () => {
  const trail = [
    delivery('a1', 'TD03', ['meterId', 'totalKwh']),
    delivery('a2', 'R0001', ['customer.contractNumber']),
    delivery('a3', 'TD03', ['intervals[].kwh', 'meterId']),
    // Not counted: another supply point, a rejection, a delivery of no field, an earlier notice.
    delivery('x1', 'DR001', ['totalKwh'], { supplyPointHmac: supplyPointHmac(KEY, OTHER) }),
    delivery('x2', 'TP001', [], {}),
    delivery('x3', 'OCCTO', ['kind'], { type: 'jp.kyodo.subject-notice.v1' }),
    auditRecordFixture({ id: 'x4', outcome: 'rejected', recipientId: null, supplyPointHmac: hmac }),
  ];

  it('gives each past recipient one notice naming exactly its fields and deliveries', () => {
    const batch = build(trail);
    expect(batch.notices.map((n) => [n.recipientId, n.fields, n.deliveries])).toEqual([
      ['R0001', ['customer.contractNumber'], ['a2']],
      ['TD03', ['intervals[].kwh', 'meterId', 'totalKwh'], ['a1', 'a3']],
    ]);
    const outbound = batch.records.filter((r) => r.topic.startsWith('kyodo.out.'));
    expect(outbound.map((r) => [r.topic, r.key])).toEqual([
      ['kyodo.out.R0001', SP],
      ['kyodo.out.TD03', SP],
    ]);
    const event = JSON.parse(outbound[1].value) as JsonObject;
    expect(event).toMatchObject({
      type: 'jp.kyodo.subject-notice.v1',
      source: 'urn:kyodo:gateway',
      subject: SP,
      kyodopurpose: 'subject-correction',
      kyodoaudit: batch.notices[1].auditId,
      data: { kind: 'correction', reference: 'REQ-1', from: null, to: null, deliveries: ['a1', 'a3'] },
    });
    expect(isSubjectNoticeFor(KEY, batch.notices[1].noticeId, 'TD03')).toBe(true);
    expect(isSubjectNoticeFor(KEY, batch.notices[1].noticeId, 'R0001')).toBe(false);
    expect(isSubjectNoticeFor('another-key-entirely', batch.notices[1].noticeId, 'TD03')).toBe(false);
  });

  it('writes an audit record per notice that the audit writer accepts, keyed into the supply point chain', () => {
    const audits = build(trail).records.filter((r) => r.topic === topics.audit);
    expect(audits).toHaveLength(2);
    for (const r of audits) {
      expect(r.key).toBe(hmac);
      const record = normalizeAuditRecord(JSON.parse(r.value) as AuditRecord);
      expect(record).toMatchObject({
        outcome: 'delivered',
        relations: ['past-recipient'],
        supplyPointHmac: hmac,
      });
      expect(JSON.stringify(record)).not.toContain(SP);
    }
  });

  it('is deterministic, and sends nothing when nobody received anything', () => {
    expect(build(trail)).toEqual(build(trail));
    expect(build(trail.slice(3))).toEqual({ notices: [], records: [], alreadySent: [] });
  });

  it('leaves out the notices already sent', () => {
    const first = build(trail);
    const again = buildSubjectNotices(request, trail, {
      topics,
      hmacKey: KEY,
      policyVersion: policy.version,
      notices: policy.notices!,
      now: NOW,
      alreadySent: new Set([first.notices[0].noticeId]),
    });
    expect(again.alreadySent).toEqual([first.notices[0]]);
    expect(again.notices).toEqual([first.notices[1]]);
    expect(again.records).toEqual(first.records.slice(2));
  });
});

describe('Router: subject-notice acknowledgements', () => {
  const router = new Router({ policy, topics, hmacKey: KEY, clock: () => new Date(NOW) });
  const noticeId = build([delivery('a1', 'TD03', ['meterId'])]).notices[0].noticeId;

  function ackRecord(
    sender: string,
    data: JsonObject,
    type = 'jp.kyodo.subject-notice-ack.v1',
    key = SP,
  ): InboundRecord {
    const event = {
      specversion: '1.0',
      id: `ack-${sender}`,
      source: `urn:kyodo:party:${sender}`,
      type,
      subject: SP,
      time: NOW,
      data,
    };
    return {
      topic: topics.inbox(sender),
      partition: 0,
      offset: '5',
      key: Buffer.from(key),
      value: Buffer.from(JSON.stringify(event)),
    };
  }

  function route(record: InboundRecord) {
    const out: OutputRecord[] = [];
    const stats = router.routeBatch([record], factory.registry(), out);
    return { out, stats, parsed: out.map((o) => [o.topic, JSON.parse(o.value) as JsonObject] as const) };
  }

  it("audits the recipient's acknowledgement and delivers it to nobody", () => {
    const { out, stats, parsed } = route(ackRecord('TD03', { noticeId, done: true }));
    expect(stats).toMatchObject({ accepted: 1, rejected: 0, deliveries: 0 });
    expect(out.map((o) => o.topic)).toEqual([topics.audit]);
    expect(parsed[0][1]).toMatchObject({
      outcome: 'acknowledged',
      outboundId: noticeId,
      type: 'jp.kyodo.subject-notice-ack.v1',
      recipientId: null,
      supplyPointHmac: hmac,
    });
  });

  it('checks the envelope of an acknowledgement like any other event', () => {
    const event = {
      specversion: '0.3',
      id: 'a',
      source: 'urn:kyodo:party:TD03',
      type: 'jp.kyodo.subject-notice-ack.v1',
    };
    const { stats, parsed } = route({
      topic: topics.inbox('TD03'),
      partition: 0,
      offset: '6',
      key: Buffer.from(SP),
      value: Buffer.from(JSON.stringify({ ...event, subject: SP, data: { noticeId, done: true } })),
    });
    expect(stats).toMatchObject({ accepted: 0, rejected: 1 });
    expect(parsed.find(([topic]) => topic === topics.dlq)![1].reason).toBe('not-cloudevent');
  });

  it.each([
    [
      'another party acknowledging',
      ackRecord('R0001', { noticeId, done: true }),
      'sender-not-allowed',
      "only a notice's recipient",
    ],
    ['done false', ackRecord('TD03', { noticeId, done: false }), 'invalid-data', 'data.done must be true'],
    [
      'a made-up notice id',
      ackRecord('TD03', { noticeId: 'N-1', done: true }),
      'invalid-data',
      'data.noticeId',
    ],
    [
      'a party sending a notice',
      ackRecord('TD03', {}, 'jp.kyodo.subject-notice.v1'),
      'sender-not-allowed',
      'only Kyodo sends',
    ],
    [
      'key and subject disagreeing',
      ackRecord('TD03', { noticeId, done: true }, undefined, OTHER),
      'key-mismatch',
      'record key',
    ],
  ])('rejects %s with a reason', (_name, record, reason, message) => {
    const { stats, parsed } = route(record);
    expect(stats).toMatchObject({ accepted: 0, rejected: 1 });
    const letter = parsed.find(([topic]) => topic === topics.dlq)![1];
    expect(letter.reason).toBe(reason);
    expect(letter.message).toContain(message);
    expect(letter.message).not.toContain(SP);
  });
});
