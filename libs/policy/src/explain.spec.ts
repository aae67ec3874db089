import { RegistrySnapshot } from '@kyodo/contracts';
import { compilePolicy, explain, formatExplanation, loadPolicy, PolicyError } from './index';

const policy = compilePolicy(loadPolicy());
const registry = new RegistrySnapshot({
  parties: [
    { id: 'TD03', role: 'tdso', area: '03', name: 'Tokyo T&D' },
    { id: 'DR001', role: 'aggregator', name: 'Negawatt Co' },
  ],
  enrollments: [],
  consents: [],
});

describe('explain', () => {
  it('lists both contract-switch relations a tdso can hold, with their union', () => {
    const e = explain(policy, 'contract-switch', 'tdso');
    expect(e.relations.map((r) => [r.relation, r.purpose])).toEqual([
      ['contract-holder', 'switching-agency'],
      ['area-tdso', 'consignment-contract'],
    ]);
    expect(e.relations[0].who).toContain('remoteIsland or lastResortSupply');
    expect(e.relations[0].fields).toEqual([
      'customer.address',
      'customer.contractNumber',
      'customer.name',
      'effectiveDate',
      'fromRetailerId',
      'phase',
      'supplyPoint.supplyPointId',
      'switchId',
      'toRetailerId',
    ]);
    expect(e.relations[1].withheld).toEqual(['customer.contractNumber', 'lastResortSupply']);
    expect(e.fields).toHaveLength(27);
    expect(e.withheld).toEqual(['lastResortSupply']);
    expect(e.identity).toEqual([
      'effectiveDate',
      'fromRetailerId',
      'phase',
      'supplyPoint.supplyPointId',
      'switchId',
      'toRetailerId',
    ]);
  });

  it('looks a party up in the registry and accepts the full event type', () => {
    const e = explain(policy, 'jp.kyodo.meter-reading.v1', 'DR001', registry);
    expect(e.kind).toBe('meter-reading');
    expect(e.party?.id).toBe('DR001');
    expect(e.role).toBe('aggregator');
    expect(e.relations.map((r) => r.relation)).toEqual(['enrolled-aggregator']);
    expect(e.fields).toEqual([
      'intervalMinutes',
      'intervals[].kwh',
      'intervals[].start',
      'readingDate',
      'retailerId',
      'totalKwh',
    ]);
    expect(e.withheld).toEqual(['customer.contractNumber', 'meterId']);
  });

  it('says so when a role holds no relation to the type', () => {
    const e = explain(policy, 'negawatt', 'occto');
    expect(e.relations).toEqual([]);
    expect(e.fields).toEqual([]);
    expect(e.withheld).toHaveLength(8);
    expect(formatExplanation(e)).toContain(
      'No occto holds a relation to this event type: it receives nothing.',
    );
  });

  it('rejects an unknown type, an unknown party, and a party id without a registry', () => {
    expect(() => explain(policy, 'billing', 'tdso')).toThrow(PolicyError);
    expect(() => explain(policy, 'negawatt', 'TD99', registry)).toThrow('"TD99" is not in the registry');
    expect(() => explain(policy, 'negawatt', 'TD03')).toThrow('no registry was given');
  });

  it('formats what the CLI prints', () => {
    expect(formatExplanation(explain(policy, 'meter-reading', 'TD03', registry))).toBe(
      [
        'jp.kyodo.meter-reading.v1 for TD03 (tdso, area 03 Tokyo), policy 2026-11-30.2',
        '',
        "May send: only as the tdso of the supply point's area (area-tdso).",
        '',
        'area-tdso: purpose td-operations',
        "  who:      the tdso of the supply point's area",
        '  gets:     intervalMinutes, intervals[].kwh, intervals[].start, meterId, readingDate, retailerId, totalKwh',
        '  withheld: customer.contractNumber',
        '',
        'Never received in this role: customer.contractNumber',
        'Always kept as routing identity: intervalMinutes, readingDate, retailerId',
        'Any field not in the catalogue is withheld from everyone. A sender never receives its own event.',
        '',
      ].join('\n'),
    );
  });
});

describe('explain: who may send, suspension, consents and agreements (v1.1)', () => {
  const trustRegistry = new RegistrySnapshot({
    parties: [
      { id: 'R0001', role: 'retailer', name: 'Clean Venture 21', suspended: true },
      { id: 'TP001', role: 'third-party', name: 'Home Energy App' },
    ],
    enrollments: [],
    consents: [
      {
        id: 'C1',
        thirdPartyId: 'TP001',
        supplyPointId: '0300000000000000000001',
        categories: ['meter-reading'],
        from: '2026-01-01',
        to: '2027-12-31',
        revokedAt: '2026-11-28T00:00:00Z',
      },
    ],
    agreements: [{ id: 'A1', thirdPartyId: 'TP001', from: '2026-01-01', to: '2027-12-31' }],
  });

  it('names the sender relations a role may send a type as, and none for one that may not', () => {
    expect(explain(policy, 'contract-switch', 'retailer').senders.map((s) => s.relation)).toEqual([
      'from-retailer',
      'to-retailer',
    ]);
    expect(explain(policy, 'meter-reading', 'retailer').senders).toEqual([]);
    expect(explain(policy, 'negawatt', 'aggregator').senders.map((s) => s.relation)).toEqual([
      'contracted-aggregator',
    ]);
    expect(formatExplanation(explain(policy, 'contract-switch', 'third-party'))).toContain(
      'May send: no; a third-party sending this type is rejected (sender-not-allowed).',
    );
  });

  it('says a suspended party neither sends nor receives', () => {
    const e = explain(policy, 'contract-switch', 'R0001', trustRegistry);
    expect(e.suspended).toBe(true);
    expect(formatExplanation(e)).toContain('SUSPENDED: it neither sends nor receives');
  });

  it("lists a third party's consents (never their supply points) and agreements", () => {
    const e = explain(policy, 'meter-reading', 'TP001', trustRegistry);
    expect(e.thirdParty).toEqual({
      agreementsRequired: true,
      agreements: [{ id: 'A1', thirdPartyId: 'TP001', from: '2026-01-01', to: '2027-12-31' }],
      consents: [
        {
          id: 'C1',
          categories: ['meter-reading'],
          from: '2026-01-01',
          to: '2027-12-31',
          revokedAt: '2026-11-28T00:00:00Z',
        },
      ],
    });
    const text = formatExplanation(e);
    expect(text).toContain('Agreements: A1 (2026-01-01..2027-12-31)');
    expect(text).toContain(
      'Consents: C1 (meter-reading, 2026-01-01..2027-12-31, revoked 2026-11-28T00:00:00Z)',
    );
    expect(text).not.toContain('0300000000000000000001');
  });
});
