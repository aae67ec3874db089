import { RegistrySnapshot, topicsFor, type JsonObject } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import { auditRecordId, outboundEventId, sealedText, supplyPointHmac, type AuditRecord } from '@kyodo/audit';
import { compilePolicy, loadPolicy, type CompiledPolicy } from '@kyodo/policy';
import { Router, type InboundRecord, type OutputRecord } from './router';

const topics = topicsFor('kyodo');
const policy = compilePolicy(loadPolicy());
const clock = () => new Date('2026-11-27T06:00:00.000Z');
const HMAC_KEY = 'router-test-key';
const registry = factory.registry({
  enrollments: [
    { aggregatorId: 'DR001', supplyPointId: '0300000000000000000001', from: '2026-01-01', to: '2026-12-31' },
  ],
});

function record(
  value: Buffer | string | null,
  key: string | null,
  sender = 'TD03',
  offset = '7',
): InboundRecord {
  return {
    topic: topics.inbox(sender),
    partition: 1,
    offset,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
  };
}

function route(records: InboundRecord[], withPolicy: CompiledPolicy = policy) {
  const router = new Router({ policy: withPolicy, topics, hmacKey: HMAC_KEY, clock });
  const out: OutputRecord[] = [];
  const stats = router.routeBatch(records, registry, out);
  const parse = (topic: string) =>
    out.filter((o) => o.topic === topic).map((o) => JSON.parse(o.value) as JsonObject);
  return { out, stats, parse };
}

describe('Router', () => {
  const reading = factory.meterReading({
    seed: 11,
    area: '03',
    supplyPointId: '0300000000000000000001',
    retailerId: 'R0001',
    sender: 'TD03',
  });

  it('publishes one outbound event and one audit record per recipient, linked by ids', () => {
    const { out, stats, parse } = route([record(toRecordValue(reading), reading.subject)]);
    expect(stats).toMatchObject({ inputs: 1, accepted: 1, rejected: 0, deliveries: 2 });
    const outbound = [...parse(topics.outbox('R0001')), ...parse(topics.outbox('DR001'))];
    const audits = parse(topics.audit) as unknown as AuditRecord[];
    expect(outbound).toHaveLength(2);
    expect(audits).toHaveLength(2);
    expect(out.filter((o) => o.topic.startsWith('kyodo.out.')).every((o) => o.key === reading.subject)).toBe(
      true,
    );
    for (const event of outbound) {
      const recipient =
        event.kyodoaudit ===
        auditRecordId({ topic: topics.inbox('TD03'), partition: 1, offset: '7' }, 'R0001')
          ? 'R0001'
          : 'DR001';
      expect(event).toMatchObject({
        specversion: '1.0',
        id: outboundEventId(reading.source, reading.id, recipient),
        source: 'urn:kyodo:gateway',
        type: reading.type,
        subject: reading.subject,
        time: reading.time,
        datacontenttype: 'application/json',
        kyodopolicy: policy.version,
        kyodoorigin: reading.source,
        kyodooriginid: reading.id,
      });
      const audit = audits.find((a) => a.id === event.kyodoaudit)!;
      expect(audit).toMatchObject({
        outcome: 'delivered',
        recipientId: recipient,
        outboundId: event.id,
        time: '2026-11-27T06:00:00.000Z',
      });
      expect(audit.purposes.join(' ')).toBe(event.kyodopurpose);
    }
    expect(parse(topics.outbox('DR001'))[0].kyodopurpose).toBe('negawatt-trading');
  });

  it('keeps the supply point out of the audit record except as its keyed HMAC', () => {
    const { out, parse } = route([record(toRecordValue(reading), reading.subject)]);
    const audits = out.filter((o) => o.topic === topics.audit);
    for (const a of audits) {
      expect(a.value).not.toContain(reading.subject);
      expect(a.key).toBe(supplyPointHmac(HMAC_KEY, reading.subject));
    }
    expect((parse(topics.audit)[0] as unknown as AuditRecord).supplyPointHmac).toBe(
      supplyPointHmac(HMAC_KEY, reading.subject),
    );
  });

  it('rejects bad input to the dead-letter topic with its reason, coordinates and original bytes, plus an audit record', () => {
    const binary = Buffer.from([0xc3, 0x28, 0xff]);
    const { stats, parse } = route([record('not json', 'k', 'TD03', '1'), record(binary, null, 'TD03', '2')]);
    expect(stats).toMatchObject({ inputs: 2, accepted: 0, rejected: 2, rejections: { unparseable: 2 } });
    const [text, bytes] = parse(topics.dlq);
    expect(text).toMatchObject({
      reason: 'unparseable',
      topic: topics.inbox('TD03'),
      partition: 1,
      offset: '1',
      key: 'k',
      value: 'not json',
      valueEncoding: 'utf8',
    });
    expect(bytes).toMatchObject({
      offset: '2',
      key: null,
      valueEncoding: 'base64',
      value: binary.toString('base64'),
    });
    const audits = parse(topics.audit) as unknown as AuditRecord[];
    expect(audits.map((a) => [a.outcome, a.reason, a.id])).toEqual([
      ['rejected', 'unparseable', text.auditId],
      ['rejected', 'unparseable', bytes.auditId],
    ]);
  });

  it('checks the parties named in the data against the registry', () => {
    const unknown = factory.meterReading({ seed: 12, area: '03', retailerId: 'R9999', sender: 'TD03' });
    const { parse } = route([record(toRecordValue(unknown), unknown.subject)]);
    expect(parse(topics.dlq)[0]).toMatchObject({ reason: 'unknown-party' });
    const audit = parse(topics.audit)[0] as unknown as AuditRecord;
    expect(audit).toMatchObject({
      inboundSource: unknown.source,
      inboundId: sealedText(HMAC_KEY, unknown.id),
      supplyPointHmac: supplyPointHmac(HMAC_KEY, unknown.subject),
    });
  });

  it('turns an unexpected failure into an `internal` rejection and keeps going with the next record', () => {
    const broken = { ...policy, kinds: {} } as unknown as CompiledPolicy;
    const { out, stats, parse } = route(
      [record(toRecordValue(reading), reading.subject, 'TD03', '3'), record('{}', 'x', 'TD03', '4')],
      broken,
    );
    expect(stats).toMatchObject({ inputs: 2, rejected: 2, rejections: { internal: 1, 'not-cloudevent': 1 } });
    expect(out.some((o) => o.topic.startsWith('kyodo.out.'))).toBe(false);
    expect(parse(topics.dlq)[0]).toMatchObject({ reason: 'internal', offset: '3' });
    expect(String(parse(topics.dlq)[0].message)).toMatch(/internal|TypeError/);
  });

  it('records a valid event that concerns nobody as `no-recipient`', () => {
    const lonely = factory.contractSwitch({
      seed: 13,
      area: '05',
      fromRetailerId: 'R0001',
      toRetailerId: 'R0001',
      sender: 'R0001',
    });
    const retailersOnly = new RegistrySnapshot({
      parties: registry.data.parties.filter((p) => p.role === 'retailer'),
      enrollments: [],
      consents: [],
    });
    const router = new Router({ policy, topics, hmacKey: HMAC_KEY, clock });
    const out: OutputRecord[] = [];
    const stats = router.routeBatch(
      [record(toRecordValue(lonely), lonely.subject, 'R0001')],
      retailersOnly,
      out,
    );
    expect(stats).toMatchObject({ inputs: 1, accepted: 1, rejected: 0, deliveries: 0 });
    expect(out.map((o) => o.topic)).toEqual([topics.audit]);
    expect(JSON.parse(out[0].value)).toMatchObject({
      outcome: 'no-recipient',
      recipientId: null,
      inboundId: lonely.id,
    });
  });

  it('rejects a record that did not come from an inbox', () => {
    const { stats, parse } = route([
      { ...record(toRecordValue(reading), reading.subject), topic: 'elsewhere' },
    ]);
    expect(stats.rejections).toEqual({ internal: 1 });
    expect(parse(topics.dlq)[0].message).toMatch(/not an inbox/);
  });

  it('produces the same ids when the same batch is routed again (a retried transaction)', () => {
    const a = route([record(toRecordValue(reading), reading.subject)]).out;
    const b = route([record(toRecordValue(reading), reading.subject)]).out;
    expect(b).toEqual(a);
  });

  it('keeps input = accepted + rejected when a record fails after it was evaluated', () => {
    const router = new Router({ policy, topics, hmacKey: '', clock }); // an empty key throws when hashing
    const out: OutputRecord[] = [];
    const stats = router.routeBatch([record(toRecordValue(reading), reading.subject)], registry, out);
    expect(stats).toMatchObject({ inputs: 1, accepted: 0, rejected: 1, deliveries: 0, deliveriesByRole: {} });
    expect(stats.rejections).toEqual({ internal: 1 });
    expect(out.map((o) => o.topic)).toEqual([topics.dlq, topics.audit]);
  });

  it('rejects as too-large an input whose outbound record would exceed the output limit', () => {
    const router = new Router({ policy, topics, hmacKey: HMAC_KEY, clock, maxOutputBytes: 2000 });
    const out: OutputRecord[] = [];
    const stats = router.routeBatch([record(toRecordValue(reading), reading.subject)], registry, out);
    expect(stats).toMatchObject({ inputs: 1, accepted: 0, rejected: 1, rejections: { 'too-large': 1 } });
    expect(out.some((o) => o.topic.startsWith('kyodo.out.'))).toBe(false);
    expect(JSON.parse(out[0].value)).toMatchObject({ reason: 'too-large' });
  });

  it('keeps a key that is not UTF-8 as base64, and an over-limit value as base64', () => {
    const key = Buffer.from([0xff, 0x00, 0xfe]);
    const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
    const { out, parse } = route([{ ...record('x', null), key }, record(big, 'k', 'TD03', '9')]);
    const [binaryKey, tooLarge] = parse(topics.dlq);
    expect(binaryKey).toMatchObject({ key: key.toString('base64'), keyEncoding: 'base64' });
    expect(out.find((o) => o.topic === topics.dlq)?.key).toBeNull();
    expect(tooLarge).toMatchObject({
      reason: 'too-large',
      key: 'k',
      keyEncoding: 'utf8',
      valueEncoding: 'base64',
    });
    expect(Buffer.from(String(tooLarge.value), 'base64').equals(big)).toBe(true);
  });

  it('keeps a dead letter within about 4/3 of the input, even when its text would escape to six times its size', () => {
    const controls = Buffer.alloc(300 * 1024, 0x01); // valid UTF-8; each byte escapes to \u0001 in JSON
    const { out, parse } = route([{ ...record(controls, null), key: Buffer.alloc(100 * 1024, 0x02) }]);
    const letter = parse(topics.dlq)[0];
    expect(letter).toMatchObject({ reason: 'unparseable', keyEncoding: 'base64', valueEncoding: 'base64' });
    expect(Buffer.from(String(letter.value), 'base64').equals(controls)).toBe(true);
    const bytes = Buffer.byteLength(out.find((o) => o.topic === topics.dlq)!.value);
    expect(bytes).toBeLessThan(((400 * 1024) / 3) * 4 + 4096);
  });
});

describe('Router: trust at the boundary (v1.1)', () => {
  const SP = '0300000000000000000001';
  const consent = {
    id: 'C1',
    thirdPartyId: 'TP001',
    supplyPointId: SP,
    categories: ['meter-reading' as const],
    from: '2026-01-01',
    to: '2027-12-31',
    revokedAt: null,
  };
  const reading = factory.meterReading({
    seed: 21,
    area: '03',
    supplyPointId: SP,
    retailerId: 'R0001',
    sender: 'TD03',
  });

  function routeWith(
    records: InboundRecord[],
    snapshot = factory.registry({ consents: [consent] }),
    registryCurrent?: () => boolean,
  ) {
    const router = new Router({ policy, topics, hmacKey: HMAC_KEY, clock, registryCurrent });
    const out: OutputRecord[] = [];
    const stats = router.routeBatch(records, snapshot, out);
    const parse = (topic: string) =>
      out.filter((o) => o.topic === topic).map((o) => JSON.parse(o.value) as JsonObject);
    return { out, stats, parse };
  }

  it("rejects a third party's switch as sender-not-allowed: a dead letter and an audit record, nothing delivered", () => {
    const sw = factory.contractSwitch({ seed: 22, area: '03', supplyPointId: SP, sender: 'TP001' });
    const { out, stats, parse } = routeWith([record(toRecordValue(sw), sw.subject, 'TP001')]);
    expect(stats).toMatchObject({
      inputs: 1,
      accepted: 0,
      rejected: 1,
      rejections: { 'sender-not-allowed': 1 },
    });
    expect(out.some((o) => o.topic.startsWith('kyodo.out.'))).toBe(false);
    const letter = parse(topics.dlq)[0];
    expect(letter).toMatchObject({ reason: 'sender-not-allowed', topic: topics.inbox('TP001') });
    expect(String(letter.message)).toContain('TP001');
    expect(String(letter.message)).not.toContain(SP);
    expect(parse(topics.audit)[0]).toMatchObject({
      outcome: 'rejected',
      reason: 'sender-not-allowed',
      inboundSource: sw.source,
      inboundId: sealedText(HMAC_KEY, sw.id),
      type: sw.type,
      supplyPointHmac: supplyPointHmac(HMAC_KEY, SP),
    });
  });

  it('rejects a suspended sender, and delivers nothing to a suspended recipient', () => {
    const suspended = factory.registry({
      consents: [consent],
      parties: [
        { id: 'TD03', role: 'tdso', area: '03', name: 'T&D 03', suspended: true },
        { id: 'TP001', role: 'third-party', name: 'Home Energy App', suspended: true },
      ],
    });
    const fromSuspended = routeWith([record(toRecordValue(reading), SP)], suspended);
    expect(fromSuspended.stats.rejections).toEqual({ 'sender-not-allowed': 1 });
    expect(String(fromSuspended.parse(topics.dlq)[0].message)).toContain('suspended');

    const sw = factory.contractSwitch({
      seed: 23,
      area: '03',
      supplyPointId: SP,
      fromRetailerId: 'R0001',
      toRetailerId: 'R0002',
      sender: 'OCCTO',
    });
    const toSuspended = routeWith([record(toRecordValue(sw), SP, 'OCCTO')], suspended);
    expect(
      toSuspended.out
        .filter((o) => o.topic.startsWith('kyodo.out.'))
        .map((o) => o.topic)
        .sort(),
    ).toEqual([topics.outbox('R0001'), topics.outbox('R0002')]);
  });

  it('delivers under consent with its basis in the audit, and nothing under consent while the registry is stale', () => {
    const current = routeWith([record(toRecordValue(reading), SP)]);
    expect(current.parse(topics.outbox('TP001'))).toHaveLength(1);
    const audits = current.parse(topics.audit);
    expect(audits.find((a) => a.recipientId === 'TP001')).toMatchObject({ basis: ['consent:C1'] });
    expect(audits.find((a) => a.recipientId === 'R0001')).not.toHaveProperty('basis');

    let asked = 0;
    const stale = routeWith([record(toRecordValue(reading), SP)], undefined, () => {
      asked += 1;
      return false;
    });
    expect(asked).toBe(1);
    expect(stale.parse(topics.outbox('TP001'))).toEqual([]);
    expect(stale.parse(topics.outbox('R0001'))).toHaveLength(1);
  });

  it('stops a back-dated event under a consent revoked before the injected clock', () => {
    // The clock says 2026-11-27T06:00Z; the event is dated the day before.
    const revoked = factory.registry({ consents: [{ ...consent, revokedAt: '2026-11-27T05:59:59Z' }] });
    const later = factory.registry({ consents: [{ ...consent, revokedAt: '2026-11-27T06:00:01Z' }] });
    expect(routeWith([record(toRecordValue(reading), SP)], revoked).parse(topics.outbox('TP001'))).toEqual(
      [],
    );
    expect(routeWith([record(toRecordValue(reading), SP)], later).parse(topics.outbox('TP001'))).toHaveLength(
      1,
    );
  });

  it('seals the sender-chosen strings of a rejected record in the audit: id, a foreign source, an unknown type', () => {
    const secretId = 'customer-Yamada-Hanako-03-1234-5678';
    const foreign = { ...reading, id: secretId, source: 'urn:kyodo:party:Yamada' };
    const unknownType = { ...reading, id: secretId, type: 'jp.example.yamada.v1' };
    const { parse } = routeWith([
      record(toRecordValue(foreign), SP, 'TD03', '1'),
      record(toRecordValue(unknownType), SP, 'TD03', '2'),
    ]);
    const audits = parse(topics.audit);
    expect(audits.map((a) => a.reason)).toEqual(['source-mismatch', 'unknown-type']);
    expect(audits[0]).toMatchObject({
      inboundId: sealedText(HMAC_KEY, secretId),
      inboundSource: sealedText(HMAC_KEY, 'urn:kyodo:party:Yamada'),
    });
    expect(audits[1]).toMatchObject({
      inboundSource: reading.source,
      type: sealedText(HMAC_KEY, 'jp.example.yamada.v1'),
    });
    expect(JSON.stringify(audits)).not.toMatch(/Yamada/);
  });
});
