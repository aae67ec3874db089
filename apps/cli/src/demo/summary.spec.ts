import type { AuditRecord } from '@kyodo/audit';
import { RegistrySnapshot } from '@kyodo/contracts';
import { emptyStats, type RouteStats } from '@kyodo/routing';
import { auditRecordFixture } from '../../../../libs/audit/src/testing';
import { auditComplete, summarise } from './summary';

/** A record of input `offset` on R0001's inbox. */
function record(
  offset: number,
  outcome: AuditRecord['outcome'],
  recipientId: string | null = null,
): AuditRecord {
  return auditRecordFixture({
    inboundTopic: 'kyodo.in.R0001',
    inboundPartition: 0,
    inboundOffset: String(offset),
    outcome,
    recipientId,
    reason: outcome === 'rejected' ? 'unparseable' : null,
  });
}

function totals(accepted: number, rejected: number, deliveries: number): RouteStats {
  return { ...emptyStats(), inputs: accepted + rejected, accepted, rejected, deliveries };
}

// Input 1 went to two parties, input 2 to nobody, input 3 was rejected.
const ALL = [
  record(1, 'delivered', 'TD03'),
  record(1, 'delivered', 'OCCTO'),
  record(2, 'no-recipient'),
  record(3, 'rejected'),
];
const TOTALS = totals(2, 1, 2);

describe('auditComplete: every input the gateway counted has its audit records', () => {
  it.each([
    ['all of them', ALL, true],
    ['the no-recipient record missing', ALL.filter((r) => r.outcome !== 'no-recipient'), false],
    ['one of two deliveries missing', ALL.slice(1), false],
    ['the rejection missing', ALL.filter((r) => r.outcome !== 'rejected'), false],
    ['nothing yet', [], false],
  ])('%s', (_what, records, expected) => {
    expect(auditComplete(records, TOTALS)).toBe(expected);
  });

  it('tells inputs apart by their inbound coordinates, not by the event', () => {
    // Two inputs with the same event id, each delivered once, and a third that concerned nobody.
    const records = [record(1, 'delivered', 'TD03'), record(2, 'delivered', 'TD03')];
    expect(auditComplete(records, totals(3, 0, 2))).toBe(false);
    expect(auditComplete([...records, record(3, 'no-recipient')], totals(3, 0, 2))).toBe(true);
  });

  it('is complete at once when nothing was sent', () => {
    expect(auditComplete([], emptyStats())).toBe(true);
  });
});

describe('summarise', () => {
  it('counts the audit records per outcome', () => {
    const registry = new RegistrySnapshot({ parties: [], enrollments: [], consents: [] });
    expect(summarise(registry, ALL, [], []).auditOutcomes).toEqual({
      delivered: 2,
      rejected: 1,
      'no-recipient': 1,
      acknowledged: 0,
      'acted-for': 0,
    });
  });
});
