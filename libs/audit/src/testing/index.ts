import type { AuditRecord } from '../record';
import type { ChainInput } from '../chain';

/** A plausible delivery record; override what the test is about. */
export function auditRecordFixture(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: '0b6c2f9e-8d7a-5c3b-9e1f-2a4d6c8e0f13',
    time: '2026-11-27T05:00:01.234Z',
    eventTime: '2026-11-27T05:00:00Z',
    inboundTopic: 'kyodo.in.R0001',
    inboundPartition: 0,
    inboundOffset: '42',
    inboundSource: 'urn:kyodo:party:R0001',
    inboundId: 'evt-1',
    type: 'jp.kyodo.meter-reading.v1',
    supplyPointHmac: 'a'.repeat(64),
    recipientId: 'TD03',
    recipientRole: 'tdso',
    relations: ['area-tdso'],
    purposes: ['td-operations'],
    fieldsDelivered: ['meterId', 'intervals', 'totalKwh'],
    fieldsWithheld: ['customer.contractNumber'],
    policyVersion: '2026-11-01',
    outcome: 'delivered',
    reason: null,
    outboundId: '7c0d1e2f-3a4b-5c6d-8e9f-0a1b2c3d4e5f',
    ...overrides,
  };
}

/** `count` records for one audit-topic partition at offsets start, start+step, ... */
export function chainInputsFixture(count: number, chainPartition = 0, start = 0, step = 1): ChainInput[] {
  return Array.from({ length: count }, (_, i) => ({
    chainPartition,
    chainOffset: String(start + i * step),
    record: auditRecordFixture({
      id: `00000000-0000-5000-8000-${String(chainPartition).padStart(4, '0')}${String(i).padStart(8, '0')}`,
      inboundOffset: String(100 + i),
      time: new Date(Date.UTC(2026, 10, 27, 5, 0, 0) + i * 1000).toISOString(),
    }),
  }));
}
