import { v5 } from 'uuid';
import {
  AUDIT_RECORD_NAMESPACE,
  auditRecordId,
  OUTBOUND_EVENT_NAMESPACE,
  outboundEventId,
  uuidV5,
} from './ids';

const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const origin = { topic: 'kyodo.in.R0001', partition: 2, offset: '1234' };

describe('uuidV5', () => {
  it('matches RFC 4122 (DNS namespace, www.example.com)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('agrees with the uuid package', () => {
    for (const name of ['', 'a', 'kyodo.in.R0001/0/0/-', '日本語']) {
      expect(uuidV5(AUDIT_RECORD_NAMESPACE, name)).toBe(v5(name, AUDIT_RECORD_NAMESPACE));
    }
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('not-a-uuid', 'x')).toThrow(RangeError);
  });
});

describe('auditRecordId', () => {
  it('is a v5 UUID of topic/partition/offset/recipient', () => {
    const id = auditRecordId(origin, 'TD03');
    expect(id).toMatch(V5);
    expect(id).toBe(v5('kyodo.in.R0001/2/1234/TD03', AUDIT_RECORD_NAMESPACE));
    expect(auditRecordId(origin, null)).toBe(v5('kyodo.in.R0001/2/1234/-', AUDIT_RECORD_NAMESPACE));
  });

  it('is deterministic and differs in every coordinate', () => {
    const base = auditRecordId(origin, 'TD03');
    expect(auditRecordId({ ...origin }, 'TD03')).toBe(base);
    const others = [
      auditRecordId({ ...origin, topic: 'kyodo.in.R0002' }, 'TD03'),
      auditRecordId({ ...origin, partition: 3 }, 'TD03'),
      auditRecordId({ ...origin, offset: '1235' }, 'TD03'),
      auditRecordId(origin, 'TD04'),
      auditRecordId(origin, null),
    ];
    expect(new Set([base, ...others]).size).toBe(6);
  });
});

describe('outboundEventId', () => {
  it('is a v5 UUID of (source, id, recipient), deterministic', () => {
    const id = outboundEventId('urn:kyodo:party:R0001', 'evt-1', 'TD03');
    expect(id).toMatch(V5);
    expect(outboundEventId('urn:kyodo:party:R0001', 'evt-1', 'TD03')).toBe(id);
    expect(id).toBe(v5(JSON.stringify(['urn:kyodo:party:R0001', 'evt-1', 'TD03']), OUTBOUND_EVENT_NAMESPACE));
  });

  it('cannot be confused by separators inside free-text source and id', () => {
    expect(outboundEventId('a/b', 'c', 'R1')).not.toBe(outboundEventId('a', 'b/c', 'R1'));
    expect(outboundEventId('a","b', 'c', 'R1')).not.toBe(outboundEventId('a', 'b","c', 'R1'));
  });

  it('differs per recipient and per inbound event', () => {
    const ids = [
      outboundEventId('urn:kyodo:party:R0001', 'evt-1', 'TD03'),
      outboundEventId('urn:kyodo:party:R0001', 'evt-1', 'OCCTO'),
      outboundEventId('urn:kyodo:party:R0001', 'evt-2', 'TD03'),
      outboundEventId('urn:kyodo:party:R0002', 'evt-1', 'TD03'),
    ];
    expect(new Set(ids).size).toBe(4);
  });

  it('never equals the audit record id of the same delivery', () => {
    expect(outboundEventId('urn:kyodo:party:R0001', '1234', 'TD03')).not.toBe(auditRecordId(origin, 'TD03'));
  });
});
