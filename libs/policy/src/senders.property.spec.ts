import fc from 'fast-check';
import type { AreaCode, EventKind, InboundEvent, Party, PartyRole } from '@kyodo/contracts';
import { EVENT_KINDS, EVENT_TYPES, RegistrySnapshot } from '@kyodo/contracts';
import { CONTRACT_SENDERS } from '@kyodo/contracts/testing';
import { authorizeSender, compilePolicy, loadPolicy, senderRelations } from './index';

/**
 * Sender authorization on random registries, events and senders, against CONTRACT_SENDERS (the
 * contract's rule restated as data, independent of the policy file): the default policy lets a party
 * send exactly when the contract says it may, and never while it is suspended or unregistered.
 */

const policy = compilePolicy(loadPolicy());
const AREAS: AreaCode[] = ['03', '06'];
const ROLES: PartyRole[] = ['retailer', 'tdso', 'occto', 'aggregator', 'third-party'];
const IDS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'];

const partyArb: fc.Arbitrary<Party> = fc
  .record({
    id: fc.constantFrom(...IDS),
    role: fc.constantFrom(...ROLES),
    area: fc.constantFrom(...AREAS),
    suspended: fc.boolean(),
  })
  .map(({ id, role, area, suspended }) => ({
    id,
    role,
    name: id,
    ...(role === 'tdso' ? { area } : {}),
    ...(suspended ? { suspended: true } : {}),
  }));

const caseArb = fc.record({
  parties: fc.uniqueArray(partyArb, { selector: (p) => p.id, maxLength: IDS.length }),
  kind: fc.constantFrom(...EVENT_KINDS),
  area: fc.constantFrom(...AREAS),
  sender: fc.constantFrom(...IDS, 'NOBODY'),
  named: fc.record({
    fromRetailerId: fc.constantFrom(...IDS),
    toRetailerId: fc.constantFrom(...IDS),
    retailerId: fc.constantFrom(...IDS),
    contractorId: fc.constantFrom(...IDS),
  }),
});

function contractAllows(kind: EventKind, sender: Party | undefined, event: InboundEvent): boolean {
  if (sender === undefined || sender.suspended === true) return false;
  return CONTRACT_SENDERS[kind].some(([role, by]) => {
    if (sender.role !== role) return false;
    if (by === 'any') return true;
    if (by === 'area') return sender.area === event.subject.slice(0, 2);
    return event.data[by] === sender.id;
  });
}

describe('sender authorization (property)', () => {
  it('allows exactly the senders the contract allows', () => {
    fc.assert(
      fc.property(caseArb, ({ parties, kind, area, sender, named }) => {
        const registry = new RegistrySnapshot({ parties, enrollments: [], consents: [] });
        const event: InboundEvent = {
          specversion: '1.0',
          id: 'e-1',
          source: `urn:kyodo:party:${sender}`,
          type: EVENT_TYPES[kind],
          subject: `${area}00000000000000000001`,
          time: '2026-11-27T05:00:00Z',
          data: { ...named },
        };
        const expected = contractAllows(kind, registry.party(sender), event);
        const refused = authorizeSender(policy, event, kind, registry, sender);
        expect({ kind, sender, allowed: refused === undefined }).toEqual({ kind, sender, allowed: expected });
        if (refused) expect(refused.reason).toBe('sender-not-allowed');
        expect(senderRelations(policy, event, kind, registry, sender).length > 0).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
